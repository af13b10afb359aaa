import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The lab's tenant admin, compiled once per content by lab/kafka/policy.ts and run by
 * lab/kafka/tenants.ts with the lab's jars on the classpath (`java -cp 'libs/*:<classes>'
 * TenantAdmin`). kafkajs cannot create SCRAM credentials, and one JVM
 * per student would cost seconds, so this stays up and answers one tab-separated line per job:
 *
 *   <id> provision <user> <password> <prefix>   client quotas for the user, its
 *                                               SCRAM-SHA-512 credential, PREFIXED ALLOW ALL
 *                                               ACLs on topics, groups and transactional ids
 *                                               starting with prefix, and a PREFIXED DENY ALTER
 *                                               on those topics (no adding partitions); sent
 *                                               in batches ({@link Provisioner}), answers
 *                                               `User:<user> batch=<n> size=<students>`
 *   <id> quotas <user>                          the user's quotas, `key=value,...`
 *   <id> reset <prefix>                         deletes those topics and consumer groups
 *
 * Answers `<id> ok <detail>` or `<id> error <message>`. The admin credential comes from the
 * environment (KAFKA_BROKERS, KAFKA_ADMIN_USERNAME, KAFKA_ADMIN_PASSWORD), never from argv;
 * the quotas too (CAUCE_KAFKA_QUOTAS, `producer_byte_rate=...,consumer_byte_rate=...`, written
 * by lab/kafka/limits.ts from lib/limits.ts, where each number has its reason). Quotas and ACLs are plain Admin
 * API calls, so they hold on an external cluster as on the embedded lab.
 */
public class TenantAdmin {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("KAFKA_BROKERS"));
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + System.getenv("KAFKA_ADMIN_USERNAME") + "\" password=\"" + System.getenv("KAFKA_ADMIN_PASSWORD") + "\";");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    Map<String, Double> quotas = parseQuotas(System.getenv("CAUCE_KAFKA_QUOTAS"));
    try (Admin admin = Admin.create(props)) {
      out.println("- ready");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      Provisioner provisioner = new Provisioner(admin, quotas, out);
      Thread provisioning = new Thread(provisioner::run, "provisioner");
      provisioning.start();
      // The other jobs run concurrently (an instructor resetting several students), answers go out as they finish.
      ExecutorService pool = Executors.newFixedThreadPool(8);
      String line;
      while ((line = in.readLine()) != null) {
        String job = line;
        String[] f = line.split("\t", -1);
        if (f.length == 5 && f[1].equals("provision")) provisioner.submit(new Provision(f[0], f[2], f[3], f[4]));
        else pool.submit(() -> out.println(answer(admin, job)));
      }
      provisioner.close();
      pool.shutdown();
      pool.awaitTermination(1, TimeUnit.MINUTES);
      provisioning.join(TimeUnit.MINUTES.toMillis(1));
    }
  }

  /** `producer_byte_rate=1048576,...`; an empty or missing spec sets no quotas (and says so). */
  static Map<String, Double> parseQuotas(String spec) {
    Map<String, Double> quotas = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      System.err.println("TenantAdmin: CAUCE_KAFKA_QUOTAS is empty, students get no client quotas");
      return quotas;
    }
    for (String pair : spec.split(",")) {
      String[] kv = pair.split("=", 2);
      quotas.put(kv[0].trim(), Double.parseDouble(kv[1].trim()));
    }
    return quotas;
  }

  static String answer(Admin admin, String line) {
    String[] f = line.split("\t", -1);
    return outcome(f[0], () -> switch (f.length > 1 ? f[1] : "") {
      // Never echoed: the line carries the student's password.
      case "provision" -> throw new IllegalArgumentException("provision takes a user, a password and a prefix");
      case "quotas" -> describeQuotas(admin, f[2]);
      case "reset" -> reset(admin, f[2]);
      default -> throw new IllegalArgumentException("unknown job: " + line);
    });
  }

  /** `<id> ok <detail>`, or `<id> error <message>` with the message on one line. */
  static String outcome(String id, Callable<String> job) {
    try {
      return id + "\tok\t" + job.call();
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      return id + "\terror\t" + (cause.getClass().getSimpleName() + ": " + cause.getMessage()).replace('\n', ' ').replace('\t', ' ');
    }
  }

  /** One `provision` line. */
  record Provision(String id, String user, String password, String prefix) {}

  /**
   * Sends provisions in batches: one alterClientQuotas, one alterUserScramCredentials and one
   * createAcls for all the students of a batch. Each call is one controller write, after which
   * the broker publishes a new metadata image (its authorizer's ACLs and its quotas rebuilt): a
   * class of 40 one by one made 120 writes and kept the broker busy for the whole burst.
   *
   * A batch is whatever queued while the previous one was in flight (group commit): a lone
   * student waits for nobody, a class clicking at once goes in two or three batches, and there
   * is no collection window to tune against the broker's speed. Each student still gets their
   * own answer, from the futures of their own quota entity, user and ACL bindings, so one
   * student's refusal does not fail the others.
   *
   * Quotas, credential and ACLs are sent together and all awaited: the student only learns
   * their password once all three hold. Every call sets all of it again (idempotent), so a
   * student provisioned by an older Cauce gets today's limits on their next first run.
   */
  static final class Provisioner {
    /**
     * Students per batch at most: each adds ~8 metadata records (quotas, credential, 4 ACLs), far
     * below the controller's 10,000 records per operation, and a request that fails whole (a
     * timeout) answers at most this many errors (each retried by the student's next run).
     */
    static final int MAX_BATCH = 100;
    private static final Provision END = new Provision(null, null, null, null);

    private final Admin admin;
    private final List<ClientQuotaAlteration.Op> quotaOps;
    private final PrintStream out;
    private final BlockingQueue<Provision> queue = new LinkedBlockingQueue<>();
    private long batches = 0;

    Provisioner(Admin admin, Map<String, Double> quotas, PrintStream out) {
      this.admin = admin;
      this.out = out;
      this.quotaOps = quotas.entrySet().stream().map(q -> new ClientQuotaAlteration.Op(q.getKey(), q.getValue())).toList();
    }

    void submit(Provision job) {
      queue.add(job);
    }

    /** No more jobs: run() answers the queued ones, then returns. */
    void close() {
      queue.add(END);
    }

    void run() {
      List<Provision> waiting = new ArrayList<>();
      boolean closing = false;
      try {
        while (!closing || !waiting.isEmpty()) {
          if (waiting.isEmpty()) waiting.add(queue.take());
          queue.drainTo(waiting);
          closing |= waiting.removeIf(job -> job == END);
          // A student twice in one batch would be two upserts of one user in one request, with one
          // future for both (the results are keyed by user, entity and binding): the later line
          // waits for the next batch, as it would have run after the first.
          List<Provision> batch = new ArrayList<>();
          List<Provision> later = new ArrayList<>();
          Set<String> users = new HashSet<>();
          for (Provision job : waiting) (batch.size() < MAX_BATCH && users.add(job.user()) ? batch : later).add(job);
          waiting = later;
          if (!batch.isEmpty()) send(batch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The three calls for the whole batch, then each student's answer from their own futures. */
    private void send(List<Provision> batch) {
      batches += 1;
      String detail = " batch=" + batches + " size=" + batch.size();
      List<ClientQuotaAlteration> alterations = new ArrayList<>();
      List<UserScramCredentialAlteration> upsertions = new ArrayList<>();
      List<AclBinding> bindings = new ArrayList<>();
      for (Provision job : batch) {
        if (!quotaOps.isEmpty()) alterations.add(new ClientQuotaAlteration(quotaEntity(job.user()), quotaOps));
        upsertions.add(new UserScramCredentialUpsertion(job.user(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), job.password()));
        bindings.addAll(aclBindings(job.user(), job.prefix()));
      }
      Map<ClientQuotaEntity, KafkaFuture<Void>> quotaResults;
      Map<String, KafkaFuture<Void>> credentialResults;
      Map<AclBinding, KafkaFuture<Void>> aclResults;
      try {
        quotaResults = alterations.isEmpty() ? Map.of() : admin.alterClientQuotas(alterations).values();
        credentialResults = admin.alterUserScramCredentials(upsertions).values();
        aclResults = admin.createAcls(bindings).values();
      } catch (RuntimeException e) {
        // The client refused before sending (a closed Admin): every student of the batch hears it.
        for (Provision job : batch) out.println(outcome(job.id(), () -> { throw e; }));
        return;
      }
      for (Provision job : batch) {
        List<KafkaFuture<Void>> done = new ArrayList<>();
        if (!quotaOps.isEmpty()) done.add(quotaResults.get(quotaEntity(job.user())));
        done.add(credentialResults.get(job.user()));
        for (AclBinding binding : aclBindings(job.user(), job.prefix())) done.add(aclResults.get(binding));
        out.println(outcome(job.id(), () -> {
          KafkaFuture.allOf(done.toArray(new KafkaFuture[0])).get();
          return "User:" + job.user() + detail;
        }));
      }
    }
  }

  static ClientQuotaEntity quotaEntity(String user) {
    return new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, user));
  }

  static List<AclBinding> aclBindings(String user, String prefix) {
    String principal = "User:" + user;
    AccessControlEntry all = new AccessControlEntry(principal, "*", AclOperation.ALL, AclPermissionType.ALLOW);
    // ALTER on a topic is what CreatePartitions needs, and no broker policy sees that request:
    // a DENY wins over the ALLOW ALL, so a student cannot grow a topic past the policy's cap.
    AccessControlEntry noAlter = new AccessControlEntry(principal, "*", AclOperation.ALTER, AclPermissionType.DENY);
    return List.of(
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), all),
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), noAlter),
        new AclBinding(new ResourcePattern(ResourceType.GROUP, prefix, PatternType.PREFIXED), all),
        new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED), all));
  }

  static String describeQuotas(Admin admin, String user) throws Exception {
    ClientQuotaFilter filter = ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, user)));
    List<String> pairs = new ArrayList<>();
    for (Map<String, Double> values : admin.describeClientQuotas(filter).entities().get().values()) {
      values.forEach((key, value) -> pairs.add(key + "=" + (value == Math.rint(value) ? String.valueOf(value.longValue()) : String.valueOf(value))));
    }
    pairs.sort(null);
    return String.join(",", pairs);
  }

  /**
   * Groups first (their offsets), then topics. A group that still has members (a run just
   * stopped, whose session has not expired) has them removed first, then is deleted; a
   * consumer still running will rejoin, so the site should stop the student's runs first.
   */
  static String reset(Admin admin, String prefix) throws Exception {
    if (prefix.isEmpty()) throw new IllegalArgumentException("empty prefix");
    List<String> groups = new ArrayList<>();
    for (GroupListing group : admin.listGroups().all().get()) {
      if (group.groupId().startsWith(prefix)) groups.add(group.groupId());
    }
    List<String> topics = new ArrayList<>();
    for (String topic : admin.listTopics().names().get()) if (topic.startsWith(prefix)) topics.add(topic);
    for (String group : groups) {
      try {
        admin.deleteConsumerGroups(List.of(group)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupNotEmptyException)) throw e;
        admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all().get();
        admin.deleteConsumerGroups(List.of(group)).all().get();
      }
    }
    if (!topics.isEmpty()) admin.deleteTopics(topics).all().get();
    return "topics=" + String.join(",", topics) + " groups=" + String.join(",", groups);
  }
}
