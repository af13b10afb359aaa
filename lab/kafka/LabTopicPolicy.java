package cauce.kafka;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.server.policy.AlterConfigPolicy;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded lab's limits on students' topics, run by the controller inside the broker
 * (create.topic.policy.class.name / alter.config.policy.class.name). lab/kafka/policy.ts
 * compiles it next to the jars and broker.ts puts it on the classpath; every number comes
 * from lib/limits.ts, through lab/kafka/limits.ts and `cauce.limits.*` in server.properties; none is written here.
 *
 * Kafka 4.4 gives a policy no principal, so a topic is a student's by its name (the slug and
 * dot of STUDENT_TOPIC_PATTERN): the ACLs already keep each student inside their prefix,
 * so every topic under a prefix is that student's, whoever created it. Other names are exempt.
 *
 * Topic count: a policy sees one topic at a time and Kafka offers it no view of the others,
 * so this class keeps one. A daemon thread lists topics every `cauce.limits.refresh.ms`
 * through the broker's own client listener with the admin login of server.properties
 * (answered from the broker's metadata cache, never waiting on the controller thread this
 * policy runs on); topics this policy approved but the list does not show yet are counted
 * too, so a burst of creations between two lists cannot overshoot. Deletions free their
 * place within one refresh. Until the first list arrives (the seconds after a start),
 * students' creations wait up to 3 s and are then refused: the count is never guessed.
 *
 * For an external cluster: copy the compiled classes (.lab/kafka/policy/<hash>/) onto each
 * controller's classpath and add the `cauce.limits.*` and policy lines that config.ts writes.
 * Without it, only the quotas and ACLs that TenantAdmin sets apply there.
 */
public class LabTopicPolicy implements CreateTopicPolicy {
  private static final Logger log = LoggerFactory.getLogger(LabTopicPolicy.class);
  private static final long FIRST_LIST_WAIT_MS = 3_000;
  /** A topic approved this long before a list started, and absent from it, was never created (or is gone). */
  private static final long APPROVAL_SETTLE_MS = 2_000;

  private Rules rules;
  private Counter counter;

  @Override
  public void configure(Map<String, ?> configs) {
    rules = new Rules(configs);
    counter = new Counter(rules, adminProperties(configs));
    counter.start();
  }

  @Override
  public void validate(RequestMetadata request) throws PolicyViolationException {
    try {
      String owner = rules.owner(request.topic());
      if (owner == null) return;
      int partitions = request.numPartitions() != null
          ? request.numPartitions()
          : request.replicasAssignments() == null ? 0 : request.replicasAssignments().size();
      if (partitions > rules.partitionsPerTopic) {
        throw violation("un tema admite como máximo " + rules.partitionsPerTopic + " particiones (pediste " + partitions + ").");
      }
      for (Map.Entry<String, String> config : request.configs().entrySet()) rules.check(config.getKey(), config.getValue());
      counter.admit(owner, request.topic(), partitions);
    } catch (PolicyViolationException e) {
      throw e;
    } catch (RuntimeException e) {
      // The controller only catches PolicyViolationException here: anything else would fail
      // the whole request with an unknown error, so say what happened instead.
      log.warn("LabTopicPolicy failed on {}", request.topic(), e);
      throw violation("no se pudo comprobar el tema con los límites del laboratorio (" + e + ").");
    }
  }

  @Override
  public void close() {
    if (counter != null) counter.close();
  }

  /** Config changes on students' topics (AlterConfigs, IncrementalAlterConfigs). */
  public static class Configs implements AlterConfigPolicy {
    private Rules rules;

    @Override
    public void configure(Map<String, ?> configs) {
      rules = new Rules(configs);
    }

    @Override
    public void validate(RequestMetadata request) throws PolicyViolationException {
      ConfigResource resource = request.resource();
      if (resource.type() != ConfigResource.Type.TOPIC || rules.owner(resource.name()) == null) return;
      for (Map.Entry<String, String> config : request.configs().entrySet()) {
        // null: the override is removed, so the broker default applies, and the defaults are the caps.
        if (config.getValue() != null) rules.check(config.getKey(), config.getValue());
      }
    }

    @Override
    public void close() {}
  }

  static PolicyViolationException violation(String text) {
    return new PolicyViolationException("Cauce: " + text);
  }

  /** The limits from server.properties, and the checks that need no state. */
  static final class Rules {
    final Pattern studentTopic;
    final int partitionsPerTopic;
    final int topicsPerStudent;
    final int partitionsPerStudent;
    final long refreshMs;
    private final Map<String, String> props = new HashMap<>();
    private final Set<String> free = new HashSet<>();

    Rules(Map<String, ?> configs) {
      for (Map.Entry<String, ?> e : configs.entrySet()) {
        if (e.getKey().startsWith("cauce.limits.")) props.put(e.getKey().substring("cauce.limits.".length()), String.valueOf(e.getValue()));
      }
      studentTopic = Pattern.compile(require("student.topic.pattern"));
      partitionsPerTopic = Integer.parseInt(require("partitions.per.topic"));
      topicsPerStudent = Integer.parseInt(require("topics.per.student"));
      partitionsPerStudent = Integer.parseInt(require("partitions.per.student"));
      refreshMs = Long.parseLong(require("refresh.ms"));
      for (String name : require("free.configs").split(",")) if (!name.isBlank()) free.add(name.trim());
      for (String bound : List.of("max.retention.ms", "max.retention.bytes", "max.segment.bytes", "min.segment.ms", "max.message.bytes")) {
        Long.parseLong(require(bound));
        require(bound + ".label");
      }
    }

    private String require(String key) {
      String value = props.get(key);
      // A broker without its limits must not start: the policy would silently allow anything.
      if (value == null) throw new IllegalStateException("LabTopicPolicy: missing cauce.limits." + key + " in server.properties");
      return value;
    }

    /** The student slug a topic belongs to, or null for the site's and Kafka's own topics. */
    String owner(String topic) {
      Matcher m = studentTopic.matcher(topic);
      return m.find() ? m.group(1) : null;
    }

    void check(String key, String value) {
      switch (key) {
        case "retention.ms" -> atMost(key, value, "max.retention.ms", "la retención por tiempo de un tema es como máximo de ");
        case "retention.bytes" -> atMost(key, value, "max.retention.bytes", "la retención por tamaño es como máximo de ");
        case "segment.bytes" -> atMost(key, value, "max.segment.bytes", "un segmento ocupa como máximo ");
        case "max.message.bytes" -> atMost(key, value, "max.message.bytes", "un lote de mensajes ocupa como máximo ");
        case "segment.ms" -> {
          long floor = Long.parseLong(props.get("min.segment.ms"));
          if (parse(key, value) < floor) {
            throw violation("un segmento dura como mínimo " + props.get("min.segment.ms.label") + " (segment.ms ≥ " + floor + "; pediste " + value + ").");
          }
        }
        case "cleanup.policy" -> {
          boolean deletes = false;
          for (String part : value.split(",")) deletes |= part.trim().equalsIgnoreCase("delete");
          if (!deletes) {
            throw violation("cleanup.policy debe incluir «delete» para que se aplique la retención (pediste «" + value + "»); usa «compact,delete».");
          }
        }
        default -> {
          if (!free.contains(key)) throw violation("el laboratorio no permite cambiar «" + key + "» en los temas.");
        }
      }
    }

    /** Per partition for bytes; -1 (no limit) is always above the cap. */
    private void atMost(String key, String value, String bound, String text) {
      long cap = Long.parseLong(props.get(bound));
      long asked = parse(key, value);
      if (asked < 0 || asked > cap) {
        String unit = key.endsWith(".bytes") && key.startsWith("retention") ? " por partición" : "";
        throw violation(text + props.get(bound + ".label") + unit + " (" + key + " ≤ " + cap + "; pediste " + value + ").");
      }
    }

    private static long parse(String key, String value) {
      try {
        return Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        throw violation(key + " debe ser un número entero (pediste «" + value + "»).");
      }
    }
  }

  /** Each student's topics and their partitions, kept by a list every refresh.ms. */
  static final class Counter implements Runnable {
    private record Approval(String owner, int partitions, long at) {}

    private final Rules rules;
    private final Properties adminProps;
    private final Thread thread;
    private volatile boolean closed;
    // Guarded by this.
    private Map<String, Integer> listed = new HashMap<>();
    private final Map<String, Approval> approved = new HashMap<>();
    private boolean synced;

    Counter(Rules rules, Properties adminProps) {
      this.rules = rules;
      this.adminProps = adminProps;
      this.thread = new Thread(this, "cauce-topic-policy");
      this.thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void close() {
      closed = true;
      thread.interrupt();
    }

    @Override
    public void run() {
      try (Admin admin = Admin.create(adminProps)) {
        boolean failing = false;
        while (!closed) {
          try {
            refresh(admin);
            if (failing) log.info("LabTopicPolicy is counting students' topics again");
            failing = false;
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            // Expected while the broker starts; later it means the count is going stale.
            if (!failing && synced()) log.warn("LabTopicPolicy could not list topics: {}", e.toString());
            failing = true;
          }
          try {
            Thread.sleep(rules.refreshMs);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    private void refresh(Admin admin) throws Exception {
      long startedAt = System.currentTimeMillis();
      Set<String> names = new HashSet<>();
      for (String name : admin.listTopics().names().get(10, TimeUnit.SECONDS)) if (rules.owner(name) != null) names.add(name);
      Map<String, Integer> next = new HashMap<>();
      Set<String> unknown = new HashSet<>();
      synchronized (this) {
        for (String name : names) {
          Integer known = listed.containsKey(name) ? listed.get(name) : approved.containsKey(name) ? approved.get(name).partitions() : null;
          if (known != null) next.put(name, known);
          else unknown.add(name);
        }
      }
      // Topics this policy never saw (created before this start): ask once for their size,
      // all in one request (a restarted lab may hold hundreds).
      if (!unknown.isEmpty()) {
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : admin.describeTopics(unknown).topicNameValues().entrySet()) {
          try {
            next.put(e.getKey(), e.getValue().get(10, TimeUnit.SECONDS).partitions().size());
          } catch (ExecutionException gone) {
            // Deleted between the list and the describe: nothing to count.
          }
        }
      }
      synchronized (this) {
        listed = next;
        approved.entrySet().removeIf(e -> next.containsKey(e.getKey()) || startedAt - e.getValue().at() > APPROVAL_SETTLE_MS);
        synced = true;
        notifyAll();
      }
    }

    private synchronized boolean synced() {
      return synced;
    }

    /** Counts the owner's topics and partitions with this one; records it as approved or refuses. */
    synchronized void admit(String owner, String topic, int partitions) {
      long deadline = System.currentTimeMillis() + FIRST_LIST_WAIT_MS;
      while (!synced && System.currentTimeMillis() < deadline) {
        try {
          wait(Math.max(1, deadline - System.currentTimeMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (!synced) throw violation("el laboratorio está arrancando y aún no ha contado tus temas; vuelve a intentarlo en unos segundos.");
      int topics = 0;
      int total = 0;
      for (Map.Entry<String, Integer> e : listed.entrySet()) {
        if (owner.equals(rules.owner(e.getKey()))) {
          topics++;
          total += e.getValue();
        }
      }
      for (Map.Entry<String, Approval> e : approved.entrySet()) {
        if (owner.equals(e.getValue().owner()) && !listed.containsKey(e.getKey())) {
          topics++;
          total += e.getValue().partitions();
        }
      }
      if (topics + 1 > rules.topicsPerStudent) {
        throw violation("cada alumno puede tener como máximo " + rules.topicsPerStudent + " temas (ya tienes " + topics + "). Borra alguno o reinicia tu espacio.");
      }
      if (total + partitions > rules.partitionsPerStudent) {
        throw violation("tus temas pueden sumar como máximo " + rules.partitionsPerStudent + " particiones (ya tienes " + total + " y este pide " + partitions + ").");
      }
      approved.put(topic, new Approval(owner, partitions, System.currentTimeMillis()));
    }
  }

  /** The broker's own client listener, logged in as the admin of server.properties. */
  private static Properties adminProperties(Map<String, ?> configs) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, text(configs.get("cauce.limits.admin.bootstrap.servers")));
    props.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put("sasl.jaas.config", text(configs.get("listener.name.client.scram-sha-512.sasl.jaas.config")));
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "cauce-topic-policy");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    // One bootstrap server that is not up yet when the controller configures this policy:
    // retry it calmly instead of "rebootstrapping" (and logging it) every few milliseconds.
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "250");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    props.put(AdminClientConfig.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
    return props;
  }

  private static String text(Object value) {
    if (value == null) throw new IllegalStateException("LabTopicPolicy: incomplete server.properties (admin listener or login missing)");
    return value instanceof Password p ? p.value() : String.valueOf(value);
  }
}
