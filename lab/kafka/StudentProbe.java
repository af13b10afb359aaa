import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Test support for lab/kafka/limits.spec.ts, not part of the lab: a student's Java admin
 * client, to see the broker's refusals as a client that keeps their message (kafkajs drops
 * it). Logs in with KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD; reads one job a line and
 * answers `ok` or `error<TAB>ExceptionClass<TAB>message`, in order:
 *
 *   create <topic> <partitions> [key=value;key=value...]
 *   alter <topic> key=value
 */
public class StudentProbe {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("KAFKA_BROKERS"));
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + System.getenv("KAFKA_USERNAME") + "\" password=\"" + System.getenv("KAFKA_PASSWORD") + "\";");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    try (Admin admin = Admin.create(props)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        String[] f = line.split("\t", -1);
        try {
          switch (f[0]) {
            case "create" -> {
              Map<String, String> configs = new HashMap<>();
              if (f.length > 3) for (String pair : f[3].split(";")) if (!pair.isEmpty()) configs.put(pair.split("=", 2)[0], pair.split("=", 2)[1]);
              admin.createTopics(List.of(new NewTopic(f[1], Optional.of(Integer.parseInt(f[2])), Optional.empty()).configs(configs))).all().get();
            }
            case "alter" -> {
              String[] kv = f[2].split("=", 2);
              ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, f[1]);
              admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(kv[0], kv[1]), AlterConfigOp.OpType.SET)))).all().get();
            }
            default -> throw new IllegalArgumentException("unknown job: " + line);
          }
          out.println("ok");
        } catch (Exception e) {
          Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
          out.println("error\t" + cause.getClass().getSimpleName() + "\t" + String.valueOf(cause.getMessage()).replace('\n', ' '));
        }
      }
    }
  }
}
