package cauce.spark;

import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.analysis.LocalTempView$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.streaming.StreamingRelationV2;
import org.apache.spark.sql.catalyst.streaming.WriteToStream;
import org.apache.spark.sql.execution.command.CreateViewCommand;
import org.apache.spark.sql.execution.command.SetCommand;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.InsertIntoHadoopFsRelationCommand;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.execution.streaming.runtime.StreamingRelation;
import scala.Function1;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The second guard (static spark.sql.extensions=cauce.spark.PlanGuard): a check rule on every
 * analyzed plan, SQL text included, before anything runs. ConnectGuard has already refused what
 * the client's request says; this one sees what the SQL parser and the analyzer made of it
 * (`SELECT reflect(...)`, `ADD JAR`, `CREATE TABLE`, `SET`, `LOAD DATA`...), and checks again
 * where data comes from and goes to. Commands are allowed by name; every other node is allowed
 * unless it runs Python or reads or writes outside s3a:// and the lab's Kafka.
 */
public final class PlanGuard extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  /** Commands a session may run (simple class names); the rest are refused. */
  private static final Set<String> COMMANDS = Set.of(
      "SetCommand", "ResetCommand", "ShowTablesCommand", "ShowTables", "ShowViews", "ShowNamespaces",
      "ShowColumns", "ShowColumnsCommand", "ShowFunctions", "ShowFunctionsCommand", "DescribeRelation",
      "DescribeTableCommand", "DescribeColumn", "DescribeColumnCommand", "DescribeFunction",
      "DescribeFunctionCommand", "DescribeNamespace", "DescribeDatabaseCommand", "ExplainCommand",
      "CreateViewCommand", "DropTempViewCommand", "SetCatalogAndNamespace", "SetNamespaceCommand",
      "ShowCurrentNamespaceCommand", "ShowCatalogsCommand", "ShowCatalogs", "UncacheTableCommand",
      "ClearCacheCommand", "InsertIntoHadoopFsRelationCommand", "SaveIntoDataSourceCommand",
      "AppendData", "OverwriteByExpression");

  /** Expressions that would call Java or run Python inside the server. */
  private static final Set<String> EXPRESSIONS = Set.of(
      "CallMethodViaReflection", "TryReflect", "PythonUDF", "PythonUDAF", "PythonUDTF", "ScalaUDF",
      "ScalaUDAF", "ScalaAggregator", "UserDefinedPythonFunction", "UnresolvedPolymorphicPythonUDTF");

  /** Plan nodes that start Python workers on the server (mapInPandas, applyInPandas, Arrow UDFs…). */
  private static final Pattern PYTHON_NODES = Pattern.compile(".*(Python|Pandas|InArrow|ArrowEval|BatchEval).*");

  /** Batch v2 tables allowed: the Kafka connector's and the no-op sink. */
  private static final Set<String> V2_TABLES = Set.of("KafkaTable", "NoopTable");

  /** Streaming sinks allowed (WriteToStream.sink's class); ForeachBatchSink and ForeachWriterTable are not. */
  private static final Set<String> SINKS = Set.of("FileStreamSink", "KafkaTable", "KafkaSink", "ConsoleTable", "MemorySink", "NoopTable");

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(new AbstractFunction1<SparkSession, Function1<LogicalPlan, BoxedUnit>>() {
      @Override
      public Function1<LogicalPlan, BoxedUnit> apply(SparkSession session) {
        return new AbstractFunction1<LogicalPlan, BoxedUnit>() {
          @Override
          public BoxedUnit apply(LogicalPlan plan) {
            check(plan);
            checkStreams(session, plan);
            return BoxedUnit.UNIT;
          }
        };
      }
    });
    return BoxedUnit.UNIT;
  }

  /**
   * Streaming queries one session may have running at once: each holds a micro-batch loop on the
   * server's two cores for as long as it runs, and a class shares them.
   */
  static final int MAX_STREAMS_PER_SESSION = 4;

  /** A new streaming query (its plan is a WriteToStream) beyond the session's share is refused. */
  private static void checkStreams(SparkSession session, LogicalPlan plan) {
    if (!(plan instanceof WriteToStream)) return;
    if (session.streams().active().length >= MAX_STREAMS_PER_SESSION) {
      throw new Policy.Denied(String.format(Policy.STREAMS, MAX_STREAMS_PER_SESSION));
    }
  }

  /** Every node of the plan, its subqueries and the inner plans of commands (a view's query). */
  static void check(LogicalPlan plan) {
    plan.foreachWithSubqueries(new AbstractFunction1<LogicalPlan, BoxedUnit>() {
      @Override
      public BoxedUnit apply(LogicalPlan node) {
        checkNode(node);
        scala.collection.Iterator<?> inner = node.innerChildren().iterator();
        while (inner.hasNext()) {
          Object child = inner.next();
          if (child instanceof LogicalPlan innerPlan) check(innerPlan);
        }
        scala.collection.Iterator<Expression> expressions = node.expressions().iterator();
        while (expressions.hasNext()) {
          expressions.next().foreach(new AbstractFunction1<Expression, BoxedUnit>() {
            @Override
            public BoxedUnit apply(Expression expression) {
              String name = simpleName(expression);
              if (EXPRESSIONS.contains(name)) throw new Policy.Denied(name.contains("Reflect") ? Policy.REFLECT : Policy.UDF);
              return BoxedUnit.UNIT;
            }
          });
        }
        return BoxedUnit.UNIT;
      }
    });
  }

  private static void checkNode(LogicalPlan node) {
    String name = simpleName(node);
    if (node instanceof Command) {
      if (!COMMANDS.contains(name)) throw new Policy.Denied(commandMessage(name));
      checkCommand(node);
      return;
    }
    if (PYTHON_NODES.matcher(name).matches()) throw new Policy.Denied(Policy.UDF);
    if (node instanceof LogicalRelation relation) {
      Object base = relation.relation();
      if (base instanceof HadoopFsRelation files) {
        scala.collection.Iterator<org.apache.hadoop.fs.Path> roots = files.location().rootPaths().iterator();
        while (roots.hasNext()) Policy.checkPath(roots.next().toString());
      } else if (!simpleName(base).equals("KafkaRelation")) {
        throw new Policy.Denied(String.format(Policy.FORMAT, base.getClass().getSimpleName()));
      }
    } else if (node instanceof DataSourceV2Relation relation) {
      String table = simpleName(relation.table());
      if (!V2_TABLES.contains(table)) throw new Policy.Denied(String.format(Policy.FORMAT, relation.table().name()));
    } else if (node instanceof StreamingRelationV2 stream) {
      String source = stream.sourceName().toLowerCase(java.util.Locale.ROOT);
      if (!Set.of("kafka", "rate", "rate-micro-batch").contains(source)) throw new Policy.Denied(String.format(Policy.FORMAT, stream.sourceName()));
    } else if (node instanceof StreamingRelation stream) {
      String format = stream.dataSource().className().toLowerCase(java.util.Locale.ROOT);
      if (!Policy.FILE_FORMATS.contains(format)) throw new Policy.Denied(String.format(Policy.FORMAT, format));
      scala.Option<String> path = stream.dataSource().options().get("path");
      Policy.checkPath(path.isDefined() ? path.get() : "");
    } else if (node instanceof WriteToStream write) {
      String sink = simpleName(write.sink());
      if (sink.startsWith("Foreach")) throw new Policy.Denied(Policy.FOREACH);
      if (!SINKS.contains(sink)) throw new Policy.Denied(String.format(Policy.FORMAT, write.sink().name()));
    } else if (name.equals("UnresolvedRelation") || name.startsWith("CatalogRelation") || name.equals("HiveTableRelation")) {
      throw new Policy.Denied(Policy.TABLE);
    }
  }

  private static void checkCommand(LogicalPlan node) {
    if (node instanceof SetCommand set) {
      scala.Option<scala.Tuple2<String, scala.Option<String>>> kv = set.kv();
      // `SET key` and `SET` only read; `SET key=value` changes the session.
      if (kv.isDefined() && kv.get()._2().isDefined()) Policy.checkSetting(kv.get()._1());
    } else if (node instanceof CreateViewCommand view) {
      if (view.viewType() != LocalTempView$.MODULE$) throw new Policy.Denied(Policy.GLOBAL_VIEW);
    } else if (node instanceof InsertIntoHadoopFsRelationCommand insert) {
      if (insert.catalogTable().isDefined()) throw new Policy.Denied(Policy.TABLE);
      Policy.checkPath(insert.outputPath().toString());
    } else if (node.getClass().getSimpleName().equals("SaveIntoDataSourceCommand")) {
      // Only the Kafka connector's batch writer (its options were checked by ConnectGuard).
      if (!node.toString().contains("KafkaSourceProvider")) throw new Policy.Denied(String.format(Policy.COMMAND, "save"));
    }
  }

  /** A class's simple name without the `$` of a Scala object (ConsoleTable$). */
  private static String simpleName(Object value) {
    String name = value.getClass().getSimpleName();
    return name.endsWith("$") ? name.substring(0, name.length() - 1) : name;
  }

  private static String commandMessage(String name) {
    if (name.contains("Jar") || name.contains("File") || name.contains("Archive") || name.contains("Function")) {
      return name.contains("Function") ? Policy.UDF : Policy.ARTIFACTS;
    }
    if (name.contains("Table") || name.startsWith("Create") || name.startsWith("Insert") || name.startsWith("Load") || name.startsWith("Alter")) {
      return Policy.TABLE;
    }
    return String.format(Policy.COMMAND, name);
  }
}
