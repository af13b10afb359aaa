import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
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
 * The lab's tenant admin, run by lab/kafka/tenants.ts with the lab's jars on the classpath
 * (`java -cp 'libs/*' TenantAdmin.java`). kafkajs cannot create SCRAM credentials, and one JVM
 * per student would cost seconds, so this stays up and answers one tab-separated line per job:
 *
 *   <id> provision <user> <password> <prefix>   client quotas for the user, its
 *                                               SCRAM-SHA-512 credential, PREFIXED ALLOW ALL
 *                                               ACLs on topics, groups and transactional ids
 *                                               starting with prefix, and a PREFIXED DENY ALTER
 *                                               on those topics (no adding partitions)
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
      // Jobs run concurrently (a class joining at once), answers go out as they finish.
      ExecutorService pool = Executors.newFixedThreadPool(8);
      String line;
      while ((line = in.readLine()) != null) {
        String job = line;
        pool.submit(() -> out.println(answer(admin, quotas, job)));
      }
      pool.shutdown();
      pool.awaitTermination(1, TimeUnit.MINUTES);
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

  static String answer(Admin admin, Map<String, Double> quotas, String line) {
    String[] f = line.split("\t", -1);
    String id = f[0];
    try {
      String detail;
      switch (f.length > 1 ? f[1] : "") {
        case "provision": detail = provision(admin, quotas, f[2], f[3], f[4]); break;
        case "quotas": detail = describeQuotas(admin, f[2]); break;
        case "reset": detail = reset(admin, f[2]); break;
        default: throw new IllegalArgumentException("unknown job: " + line);
      }
      return id + "\tok\t" + detail;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      return id + "\terror\t" + (cause.getClass().getSimpleName() + ": " + cause.getMessage()).replace('\n', ' ').replace('\t', ' ');
    }
  }

  /**
   * Quotas, credential and ACLs are sent together and all awaited: the student only learns
   * their password once all three hold. Every call sets all of it again (idempotent), so a
   * student provisioned by an older Cauce gets today's limits on their next first run.
   */
  static String provision(Admin admin, Map<String, Double> quotas, String user, String password, String prefix) throws Exception {
    List<KafkaFuture<Void>> done = new ArrayList<>();
    if (!quotas.isEmpty()) {
      List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
      quotas.forEach((key, value) -> ops.add(new ClientQuotaAlteration.Op(key, value)));
      ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, user));
      done.add(admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, ops))).all());
    }
    done.add(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
        user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all());
    String principal = "User:" + user;
    AccessControlEntry all = new AccessControlEntry(principal, "*", AclOperation.ALL, AclPermissionType.ALLOW);
    // ALTER on a topic is what CreatePartitions needs, and no broker policy sees that request:
    // a DENY wins over the ALLOW ALL, so a student cannot grow a topic past the policy's cap.
    AccessControlEntry noAlter = new AccessControlEntry(principal, "*", AclOperation.ALTER, AclPermissionType.DENY);
    done.add(admin.createAcls(List.of(
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), all),
        new AclBinding(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), noAlter),
        new AclBinding(new ResourcePattern(ResourceType.GROUP, prefix, PatternType.PREFIXED), all),
        new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED), all))).all());
    KafkaFuture.allOf(done.toArray(new KafkaFuture[0])).get();
    return principal;
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
