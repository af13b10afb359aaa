import type { Runs } from '@/lib/content/remark-runnable';
import type { SnippetFile, SnippetKind } from '@/lib/content/schema';
import type { EndReason, RunEvent, RunRequest } from '@/lib/runs/schema';

/**
 * The contract of a Reto (an exercise): what the student is asked (requirements, each with its
 * Spanish label), how the lab's real state is read after their run, and the verdict the page
 * shows. Exercises are written as MDX (`<Reto>`: statement, starter, hints, solution) plus one
 * definition in lib/retos/exercises/ with the checks; the build refuses one without the other.
 */

/** One thing the exercise asks for, as the page lists it before and after a check. */
export interface Requirement {
  /** Stable within its exercise: attempts record the ids they missed (the instructor's "where the class is stuck"). */
  readonly id: string;
  /** Spanish, what is asked: «El tema `pedidos` tiene 3 particiones». */
  readonly label: string;
}

export interface RequirementResult extends Requirement {
  readonly met: boolean;
  /** Spanish, what the lab holds: «el tema `pedidos` tiene 1 partición; se pedían 3». */
  readonly detail: string;
}

/** One topic of the student's Kafka, names without their prefix. */
export interface KafkaTopicState {
  readonly name: string;
  /** Start and end offsets of each partition, by partition number. */
  readonly partitions: readonly { partition: number; start: number; end: number }[];
}

export interface KafkaGroupState {
  /** Without the student's prefix. */
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  /** Per partition of the group's topics: committed offset (null: none) and lag. */
  readonly partitions: readonly { topic: string; partition: number; committed: number | null; end: number; lag: number | null }[];
}

/** The student's Kafka as a check reads it, through their own principal (their namespace only). */
export interface KafkaState {
  /** The student's prefix: the broker's names are it plus the names above. */
  readonly prefix: string;
  readonly topics: readonly KafkaTopicState[];
  readonly groups: readonly KafkaGroupState[];
}

/** What a check sees of one finished run: the run itself and, on demand, the lab. */
export interface CheckContext {
  /** How the run ended. */
  readonly reason: EndReason;
  /** Everything the run reported (records acknowledged by the broker, the DAG, task states, XCom, files). */
  readonly events: readonly RunEvent[];
  readonly request: RunRequest;
  /** The student's Kafka after the run, read once per check (admin requests, well under a second). */
  kafka(): Promise<KafkaState>;
}

/** One requirement and how it is judged. */
export interface RequirementCheck extends Requirement {
  evaluate(context: CheckContext): Promise<{ met: boolean; detail: string }> | { met: boolean; detail: string };
}

/** Something a Kafka exercise starts from, set up before each attempt (names without the prefix). */
export interface KafkaSetup {
  /** Topics (and groups) deleted first, so every attempt starts from the same state. */
  readonly deleteTopics?: readonly string[];
  readonly deleteGroups?: readonly string[];
  /** Topics the exercise provides, created after the deletions, with their messages. */
  readonly createTopics?: readonly { name: string; partitions: number; messages?: readonly { key: string | null; value: string }[] }[];
}

/** The server-side half of a Reto: its checks (the MDX holds statement, starter, hints and solution). */
export interface ExerciseDefinition {
  readonly kind: SnippetKind;
  /** Checked in order and shown in this order. */
  readonly requirements: readonly RequirementCheck[];
  /** The requirement the lesson's starter code misses (the walking test asserts it). */
  readonly starterFails: string;
  /** Kafka state each attempt starts from. */
  readonly setup?: { kafka?: KafkaSetup };
}

/** What the MDX gives of a Reto (lib/content/remark-runnable.ts), with its full id. */
export interface ExerciseMeta {
  /** "<course>/<lesson>/<id>": also the id of its editor (the run's snippet). */
  readonly id: string;
  readonly lesson: string;
  readonly title: string;
  readonly kind: SnippetKind;
  readonly runs: Runs;
  readonly starter: readonly SnippetFile[];
  readonly solution: readonly SnippetFile[];
  readonly hints: number;
}

export interface Verdict {
  readonly exercise: string;
  readonly runId: string;
  readonly passed: boolean;
  /**
   * True when nothing could be judged: the lab could not be read, the run never reached it, or
   * the DAG never loaded. The attempt is not counted; the student is told what to do.
   */
  readonly inconclusive: boolean;
  /** Spanish: how the run ended and what follows. */
  readonly summary: string;
  readonly requirements: readonly RequirementResult[];
  readonly checkedAt: string;
  /** From the run's end to the verdict, for the benchmark. */
  readonly checkMs: number;
}

/** What the page gets from «Ejecutar y comprobar». */
export type VerdictResult = { ok: true; verdict: Verdict } | { ok: false; message: string };
