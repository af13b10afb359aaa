package cauce.spark;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sparkproject.connect.grpc.ForwardingServerCallListener;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;
import org.sparkproject.connect.protobuf.Descriptors.FieldDescriptor;
import org.sparkproject.connect.protobuf.Descriptors.OneofDescriptor;
import org.sparkproject.connect.protobuf.Message;

/**
 * The first guard (spark.connect.grpc.interceptor.classes): reads every request a client sends
 * before the server plans it. It has to come first because planning a read already touches the
 * files (listing, schema inference), before any analyzer rule could refuse the path; and some
 * requests never reach the analyzer at all (uploads, configs, foreachBatch, listeners).
 *
 * It walks each request message generically (protobuf reflection), so a denied message nested
 * anywhere (a Python UDF in a filter inside a join) is found. A refusal closes the call with
 * PERMISSION_DENIED and Policy's marked Spanish message.
 */
public final class ConnectGuard implements ServerInterceptor {
  /** Command kinds a session may send (Command.command_type); everything else is refused. */
  private static final Set<String> COMMANDS = Set.of(
      "write_operation", "create_dataframe_view", "sql_command", "write_stream_operation_start",
      "streaming_query_command", "get_resources_command", "streaming_query_manager_command",
      "streaming_query_listener_bus_command", "checkpoint_command", "remove_cached_remote_relation_command");

  /** Relation kinds that run the student's own code or reach outside (Relation.rel_type). */
  private static final Map<String, String> RELATIONS = Map.of(
      "map_partitions", Policy.UDF, "group_map", Policy.UDF, "co_group_map", Policy.UDF,
      "apply_in_pandas_with_state", Policy.UDF, "common_inline_user_defined_table_function", Policy.UDF,
      "common_inline_user_defined_data_source", Policy.UDF, "ml_relation", "ml_relation",
      "relation_changes", "relation_changes", "extension", "extension", "unknown", "unknown");

  /** Catalog calls that only read the session's own views and functions (Catalog.cat_type). */
  private static final Set<String> CATALOG = Set.of(
      "current_database", "set_current_database", "list_databases", "list_tables", "list_functions",
      "list_columns", "get_database", "get_table", "get_function", "database_exists", "table_exists",
      "function_exists", "drop_temp_view", "is_cached", "cache_table", "uncache_table", "clear_cache",
      "current_catalog", "set_current_catalog", "list_catalogs");

  /** Messages refused wherever they appear, with why. */
  private static final Map<String, String> DENIED_TYPES = Map.ofEntries(
      Map.entry("spark.connect.CommonInlineUserDefinedFunction", Policy.UDF),
      Map.entry("spark.connect.PythonUDF", Policy.UDF),
      Map.entry("spark.connect.ScalarScalaUDF", Policy.UDF),
      Map.entry("spark.connect.JavaUDF", Policy.UDF),
      Map.entry("spark.connect.CommonInlineUserDefinedTableFunction", Policy.UDF),
      Map.entry("spark.connect.PythonUDTF", Policy.UDF),
      Map.entry("spark.connect.CommonInlineUserDefinedDataSource", Policy.UDF),
      Map.entry("spark.connect.PythonDataSource", Policy.UDF),
      Map.entry("spark.connect.StreamingForeachFunction", Policy.FOREACH),
      Map.entry("spark.connect.AddArtifactsRequest", Policy.ARTIFACTS),
      Map.entry("google.protobuf.Any", String.format(Policy.COMMAND, "extensión")));

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    // Uploads are refused before the handler starts: it would write the first chunk to disk.
    if (call.getMethodDescriptor().getFullMethodName().endsWith("/AddArtifacts")) {
      call.close(Status.PERMISSION_DENIED.withDescription(Policy.MARKER + Policy.ARTIFACTS), new Metadata());
      return new ServerCall.Listener<Q>() {};
    }
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) return;
        try {
          if (message instanceof Message request) check(request);
        } catch (Policy.Denied denied) {
          refused = true;
          call.close(Status.PERMISSION_DENIED.withDescription(denied.getMessage()), new Metadata());
          return;
        } catch (RuntimeException unexpected) {
          // A guard that cannot read a request refuses it rather than letting it through.
          refused = true;
          call.close(Status.PERMISSION_DENIED.withDescription(Policy.MARKER + String.format(Policy.COMMAND, "petición ilegible")), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) super.onHalfClose();
      }
    };
  }

  /** Checks one message, then every message inside it. Public for the guard's own tests. */
  public static void check(Message message) {
    String type = message.getDescriptorForType().getFullName();
    String denied = DENIED_TYPES.get(type);
    if (denied != null) throw new Policy.Denied(denied);
    switch (type) {
      case "spark.connect.Plan" -> {
        if (!oneof(message, "op_type").isEmpty() && oneof(message, "op_type").equals("compressed_operation")) throw new Policy.Denied(Policy.COMPRESSED);
      }
      case "spark.connect.Command" -> {
        String kind = oneof(message, "command_type");
        if (!kind.isEmpty() && !COMMANDS.contains(kind)) throw new Policy.Denied(commandMessage(kind));
      }
      case "spark.connect.Relation" -> {
        String why = RELATIONS.get(oneof(message, "rel_type"));
        if (why != null) throw new Policy.Denied(why.startsWith("CAUCE") || why.contains(" ") ? why : String.format(Policy.COMMAND, why));
      }
      case "spark.connect.Catalog" -> {
        String kind = oneof(message, "cat_type");
        if (!kind.isEmpty() && !CATALOG.contains(kind)) {
          throw new Policy.Denied(kind.startsWith("create") ? Policy.TABLE : kind.contains("global") ? Policy.GLOBAL_VIEW : String.format(Policy.COMMAND, "catalog." + kind));
        }
      }
      case "spark.connect.Read.DataSource" -> checkRead(message);
      case "spark.connect.WriteOperation" -> checkWrite(message);
      case "spark.connect.WriteStreamOperationStart" -> checkStreamWrite(message);
      case "spark.connect.CreateDataFrameViewCommand" -> {
        if (Boolean.TRUE.equals(field(message, "is_global"))) throw new Policy.Denied(Policy.GLOBAL_VIEW);
      }
      case "spark.connect.StreamingQueryManagerCommand" -> {
        String kind = oneof(message, "command");
        if (kind.equals("add_listener") || kind.equals("remove_listener")) throw new Policy.Denied(Policy.LISTENER);
      }
      case "spark.connect.CheckpointCommand" -> {
        // Only localCheckpoint: a reliable checkpoint writes to the server's checkpoint folder.
        if (!Boolean.TRUE.equals(field(message, "local"))) throw new Policy.Denied(String.format(Policy.COMMAND, "checkpoint()"));
      }
      case "spark.connect.ConfigRequest.Set" -> {
        for (Message pair : messages(message, "pairs")) Policy.checkSetting(String.valueOf(field(pair, "key")));
      }
      case "spark.connect.ConfigRequest.Unset" -> {
        for (Object key : list(message, "keys")) Policy.checkSetting(String.valueOf(key));
      }
      default -> { }
    }
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      if (entry.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) continue;
      if (entry.getKey().isRepeated()) {
        for (Object item : (List<?>) entry.getValue()) check((Message) item);
      } else {
        check((Message) entry.getValue());
      }
    }
  }

  private static void checkRead(Message source) {
    // No format means spark.sql.sources.default, parquet (a setting students cannot change).
    String format = lower(field(source, "format"), "parquet");
    if (!Policy.READ_FORMATS.contains(format)) throw new Policy.Denied(String.format(Policy.FORMAT, format));
    if (!list(source, "predicates").isEmpty()) throw new Policy.Denied(String.format(Policy.FORMAT, "jdbc"));
    Map<String, String> options = stringMap(source, "options");
    Policy.checkOptions(format, options);
    for (Object path : list(source, "paths")) Policy.checkPath(String.valueOf(path));
  }

  private static void checkWrite(Message write) {
    String format = lower(field(write, "source"), "parquet");
    if (!Policy.WRITE_FORMATS.contains(format)) throw new Policy.Denied(String.format(Policy.FORMAT, format));
    if (oneof(write, "save_type").equals("table")) throw new Policy.Denied(Policy.TABLE);
    Policy.checkOptions(format, stringMap(write, "options"));
    if (oneof(write, "save_type").equals("path")) Policy.checkPath(String.valueOf(field(write, "path")));
    else if (Policy.FILE_FORMATS.contains(format) && !hasOption(write, "path")) Policy.checkPath("");
  }

  private static void checkStreamWrite(Message write) {
    if (write.hasField(write.getDescriptorForType().findFieldByName("foreach_writer"))
        || write.hasField(write.getDescriptorForType().findFieldByName("foreach_batch"))) {
      throw new Policy.Denied(Policy.FOREACH);
    }
    String format = lower(field(write, "format"), "parquet");
    if (!Policy.STREAM_SINKS.contains(format)) throw new Policy.Denied(String.format(Policy.FORMAT, format));
    String destination = oneof(write, "sink_destination");
    if (destination.equals("table_name")) throw new Policy.Denied(Policy.TABLE);
    Policy.checkOptions(format, stringMap(write, "options"));
    if (destination.equals("path")) Policy.checkPath(String.valueOf(field(write, "path")));
  }

  private static String commandMessage(String kind) {
    return switch (kind) {
      case "register_function", "register_table_function", "register_data_source" -> Policy.UDF;
      case "write_operation_v2", "merge_into_table_command" -> Policy.TABLE;
      default -> String.format(Policy.COMMAND, kind);
    };
  }

  private static boolean hasOption(Message message, String key) {
    return stringMap(message, "options").keySet().stream().anyMatch(k -> k.trim().equalsIgnoreCase(key));
  }

  private static String lower(Object value, String fallback) {
    String text = value == null ? "" : value.toString().trim();
    return text.isEmpty() ? fallback : text.toLowerCase(Locale.ROOT);
  }

  /** The set field of a oneof, by name; "" when none is set (or the oneof does not exist). */
  private static String oneof(Message message, String name) {
    for (OneofDescriptor oneof : message.getDescriptorForType().getOneofs()) {
      if (!oneof.getName().equals(name)) continue;
      FieldDescriptor set = message.getOneofFieldDescriptor(oneof);
      return set == null ? "" : set.getName();
    }
    return "";
  }

  /** A singular field's value when set, else null. */
  private static Object field(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    if (field == null) return null;
    if (field.hasPresence() && !message.hasField(field)) return null;
    return message.getField(field);
  }

  private static List<?> list(Message message, String name) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    return field == null ? List.of() : (List<?>) message.getField(field);
  }

  @SuppressWarnings("unchecked")
  private static List<Message> messages(Message message, String name) {
    return (List<Message>) list(message, name);
  }

  /** A map<string,string> field (repeated entries with key and value). */
  private static Map<String, String> stringMap(Message message, String name) {
    Map<String, String> map = new HashMap<>();
    for (Message entry : messages(message, name)) map.put(String.valueOf(field(entry, "key")), String.valueOf(field(entry, "value")));
    return map;
  }
}
