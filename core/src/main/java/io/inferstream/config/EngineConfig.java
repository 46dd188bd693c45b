package io.inferstream.config;

import io.inferstream.model.OptionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * The engine's configuration, in Kafka's own style: every key typed, validated and documented in
 * {@link #definition()}, from which the README's reference table is generated ({@link #toMarkdownTable()}).
 *
 * <p>Keys starting with {@value #CONSUMER_PREFIX} or {@value #PRODUCER_PREFIX} pass through, prefix removed,
 * to the Kafka consumer or producer; {@value #MODEL_CONFIG_PREFIX} keys go to the model loader (which declares and
 * checks them, see {@code ModelLoader.options()}); {@value #REMOTE_PREFIX} keys go, prefix kept, to a remote
 * model's loader; and
 * {@value #INPUT_CONCAT_PREFIX}{@code <input>=f1,f2,...} joins scalar fields into one tensor input. Any other
 * unknown key is an error naming the key and the nearest known one, so a typo fails before anything starts.
 *
 * <p>Thread safety: immutable after construction, safe to share.
 */
public final class EngineConfig extends AbstractConfig {
    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String PRODUCER_PREFIX = "producer.";
    public static final String MODEL_CONFIG_PREFIX = "model.config.";
    public static final String INPUT_CONCAT_PREFIX = "input.concat.";
    /** {@value}{@code <input>=a.b.c}: the (nested) Avro or Protobuf field that feeds a model input. */
    public static final String INPUT_FIELD_PREFIX = "input.field.";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String GROUP_ID = "group.id";
    public static final String GROUP_TYPE = "group.type";
    /** {@value}: a classic Kafka consumer group, at most one worker per partition (the default). */
    public static final String GROUP_TYPE_CONSUMER = "consumer";
    /** {@value}: a Kafka share group (KIP-932), any number of workers per partition. */
    public static final String GROUP_TYPE_SHARE = "share";
    public static final String INPUT_TOPICS = "input.topics";
    public static final String OUTPUT_TOPIC = "output.topic";
    public static final String DEAD_LETTER_TOPIC = "dead.letter.topic";
    public static final String MODEL_PATH = "model.path";
    public static final String MODEL_FORMAT = "model.format";
    public static final String MODEL_URL = "model.url";
    public static final String MODEL_TOPIC = "model.topic";
    public static final String MODEL_NAME = "model.name";
    public static final String MODEL_VERSION_POLICY = "model.version.policy";
    public static final String MODEL_ROUTING_WEIGHTS = "model.routing.weights";
    public static final String MODEL_ROUTING_SHADOW = "model.routing.shadow";
    public static final String MODEL_POLL_INTERVAL_MS = "model.poll.interval.ms";
    public static final String MODEL_MAX_BYTES = "model.max.bytes";
    public static final String MODEL_WARMUP_RECORDS = "model.warmup.records";
    public static final String MODEL_WARMUP_FILE = "model.warmup.file";
    public static final String MODEL_LOAD_TIMEOUT_MS = "model.load.timeout.ms";
    public static final String MODEL_TOPIC_REPORT_STATUS = "model.topic.report.status";
    public static final String MODEL_TRUSTED_KEYS = "model.trusted.keys";
    public static final String SHADOW_TOPIC = "shadow.topic";
    public static final String MODEL_CLASS_LABELS = "model.class.labels";
    public static final String MODEL_CLASS_OUTPUT = "model.class.output";
    public static final String INPUT_CODEC = "input.codec";
    public static final String INPUT_CSV_HEADER = "input.csv.header";
    public static final String INPUT_ALLOW_NAN = "input.allow.nan";
    public static final String INPUT_MAX_RECORD_BYTES = "input.max.record.bytes";
    public static final String INPUT_AVRO_ENCODING = "input.avro.encoding";
    public static final String INPUT_AVRO_SCHEMA = "input.avro.schema";
    public static final String INPUT_PROTOBUF_ENCODING = "input.protobuf.encoding";
    public static final String INPUT_PROTOBUF_DESCRIPTOR_SET = "input.protobuf.descriptor.set";
    public static final String INPUT_PROTOBUF_MESSAGE = "input.protobuf.message";
    public static final String OUTPUT_CODEC = "output.codec";
    public static final String OUTPUT_SUBJECT_NAME_STRATEGY = "output.subject.name.strategy";
    public static final String OUTPUT_AUTO_REGISTER_SCHEMAS = "output.auto.register.schemas";
    public static final String OUTPUT_USE_LATEST_VERSION = "output.use.latest.version";
    public static final String OUTPUT_AVRO_RECORD_NAME = "output.avro.record.name";
    /** {@value}: the subject is {@code <topic>-value} (Confluent's TopicNameStrategy, the default). */
    public static final String SUBJECT_TOPIC = "topic";
    /** {@value}: the subject is the record's full name (Confluent's RecordNameStrategy). */
    public static final String SUBJECT_RECORD = "record";
    /** {@value}: the subject is {@code <topic>-<record full name>} (Confluent's TopicRecordNameStrategy). */
    public static final String SUBJECT_TOPIC_RECORD = "topic-record";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String SCHEMA_REGISTRY_SSL_CA_LOCATION = "schema.registry.ssl.ca.location";
    public static final String SCHEMA_REGISTRY_TIMEOUT_MS = "schema.registry.timeout.ms";
    /** {@value}: the Confluent wire format (magic byte 0, 4-byte schema id, body), schemas from the registry. */
    public static final String ENCODING_REGISTRY = "registry";
    /** {@value}: the bare body, with one schema known up front. */
    public static final String ENCODING_BINARY = "binary";
    /** {@value}: Avro's single-object encoding (C3 01, 8-byte schema fingerprint, body). */
    public static final String ENCODING_SINGLE_OBJECT = "single-object";
    public static final String MAX_BATCH_SIZE = "max.batch.size";
    public static final String WORKER_THREADS = "worker.threads";
    public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
    public static final String RETRY_BACKOFF_INITIAL_MS = "retry.backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
    public static final String OUTPUT_PARTITIONING = "output.partitioning";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    public static final String INSTANCE_ID = "instance.id";
    public static final String METRICS_PORT = "metrics.port";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_TLS_CERTIFICATE = "metrics.tls.certificate";
    public static final String METRICS_TLS_KEY = "metrics.tls.key";
    public static final String METRICS_TLS_CLIENT_CA = "metrics.tls.client.ca";
    public static final String METRICS_TOKENS_FILE = "metrics.tokens.file";
    public static final String METRICS_HEALTH_NEEDS_TOKEN = "metrics.health.needs.token";
    /**
     * Prefix of the keys that tune the client of a remote model server: they reach its loader with the prefix, and
     * the remote module declares and checks them (its loaders' {@code options()}).
     */
    public static final String REMOTE_PREFIX = "remote.";
    public static final String MONITOR_LABELS_TOPIC = "monitor.labels.topic";
    public static final String MONITOR_WINDOW_MS = "monitor.window.ms";
    public static final String MONITOR_PENDING_MAX = "monitor.pending.max";
    public static final String MONITOR_DRIFT_ENABLED = "monitor.drift.enabled";
    public static final String MONITOR_DRIFT_REFERENCE_RECORDS = "monitor.drift.reference.records";
    public static final String MONITOR_DRIFT_REFERENCE_FILE = "monitor.drift.reference.file";
    public static final String MONITOR_DRIFT_THRESHOLD = "monitor.drift.threshold";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    /** {@value}: offsets committed after every output of a batch is acknowledged (the default). */
    public static final String AT_LEAST_ONCE = "at_least_once";
    /** {@value}: each batch's outputs and offsets are committed in one Kafka transaction. */
    public static final String EXACTLY_ONCE = "exactly_once";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    /** The default {@value #COMMIT_INTERVAL_MS} under at-least-once. */
    public static final long AT_LEAST_ONCE_COMMIT_INTERVAL_MS = 1_000;
    /** The default {@value #COMMIT_INTERVAL_MS} under exactly-once (Kafka Streams' own). */
    public static final long EXACTLY_ONCE_COMMIT_INTERVAL_MS = 100;
    /** The producer's transaction timeout the engine sets unless {@code producer.transaction.timeout.ms} is given. */
    public static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;

    /** Keys with these prefixes are Kafka client security settings shared by every client. */
    public static final List<String> CLIENT_SECURITY_PREFIXES = List.of("security.", "ssl.", "sasl.");

    /** The input codecs. */
    public static final List<String> CODECS = List.of("json", "csv", "float32", "avro", "protobuf");
    /** The output codecs. */
    public static final List<String> OUTPUT_CODECS = List.of("json", "avro");

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString() {
                @Override
                public void ensureValid(String name, Object value) {
                    if (value == null || ((List<?>) value).isEmpty()) {
                        throw new ConfigException(name, value, "give at least one host:port");
                    }
                }
            }, Importance.HIGH, "Kafka brokers to connect to, as host:port[,host:port...].")
            .define(GROUP_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Consumer group of all workers of this engine; run more instances with the same group to scale out.")
            .define(GROUP_TYPE, Type.STRING, GROUP_TYPE_CONSUMER, ValidString.in(GROUP_TYPE_CONSUMER, GROUP_TYPE_SHARE),
                    Importance.MEDIUM, "consumer: the workers form a consumer group; each input partition is read by "
                            + "one worker at a time, in order, so workers beyond the partition count stay idle. share: "
                            + "they form a share group (KIP-932, Kafka 4.2+ brokers): every worker of every instance "
                            + "reads every partition and each record is acquired by one of them, so instances scale "
                            + "past the partition count; records are not scored in order, there is no exactly_once, "
                            + "and each record is acknowledged on its own (accepted once its prediction or dead letter "
                            + "is written; released for redelivery when the model cannot answer for half the group's "
                            + "share.record.lock.duration.ms; dead-lettered with stage 'delivery' on its last "
                            + "delivery under the group's share.delivery.count.limit). A new share group is set to "
                            + "start at the earliest offset unless its share.auto.offset.reset is set.")
            .define(INPUT_TOPICS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Topics to read records to score from, comma-separated.")
            .define(OUTPUT_TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Topic the predictions are written to, keyed by the input record's key.")
            .define(DEAD_LETTER_TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Topic for records that cannot be scored, with headers saying where they came from "
                            + "and why. Nothing is dropped silently.")
            .define(MODEL_PATH, Type.STRING, null, Importance.HIGH,
                    "Model file or directory, or a base folder of numbered version folders (TF Serving's layout), "
                            + "watched for new versions; or a model server's address, scored remotely: "
                            + "http://host:8000/v2/models/NAME[/versions/N] (Open Inference Protocol v2 REST), "
                            + "grpc://host:8001/NAME (its gRPC form), or with model.format=tfserving "
                            + "http://host:8501/v1/models/NAME[/versions/N]. 'inferstream run' needs this, model.url or "
                            + "model.topic; unused when a Model is passed in code.")
            .define(MODEL_URL, Type.STRING, "", Importance.HIGH,
                    "A model server's address, instead of model.path (same forms as there), e.g. with "
                            + "model.format=kserve-v2. The signature comes from the server's metadata endpoint.")
            .define(MODEL_FORMAT, Type.STRING, "", Importance.MEDIUM,
                    "Model format id (onnx, tensorflow, h2o-mojo, dl4j, pmml, ...). Empty: inferred from the model.")
            .define(MODEL_TOPIC, Type.STRING, "", Importance.HIGH,
                    "Compacted Kafka topic to take the model from (written by 'inferstream publish-model' and "
                            + "'inferstream route'), instead of model.path: the engine reads it to its end on start, "
                            + "serves the current deployment, and swaps versions and routing as the topic changes.")
            .define(MODEL_NAME, Type.STRING, "", Importance.HIGH,
                    "The model to serve from model.topic (required with it); with a versioned model.path folder, the "
                            + "name predictions carry (default: the folder's name).")
            .define(MODEL_VERSION_POLICY, Type.STRING, "latest", Importance.MEDIUM,
                    "For a model.path folder in TF Serving's <base>/<version>/ layout: latest (the newest complete "
                            + "version that loads serves), all (every version is available to model.routing.weights) "
                            + "or specific:N (only version N).")
            .define(MODEL_ROUTING_WEIGHTS, Type.STRING, "", Importance.LOW,
                    "With model.version.policy=all: a fixed split between versions, e.g. 1=90,2=10 (sticky by record "
                            + "key). On a model topic, use 'inferstream route' instead.")
            .define(MODEL_ROUTING_SHADOW, Type.STRING, "", Importance.LOW,
                    "With model.version.policy=all: versions that score a copy of all traffic, written only to "
                            + "shadow.topic, e.g. 3.")
            .define(MODEL_POLL_INTERVAL_MS, Type.LONG, 2000L, ConfigDef.Range.between(100, 3_600_000), Importance.LOW,
                    "How often a versioned model.path folder is scanned; a new version folder is loaded once its "
                            + "content is unchanged across two scans.")
            .define(MODEL_MAX_BYTES, Type.LONG, 1L << 30, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Largest model version accepted from model.topic; a larger one is rejected without being read.")
            .define(MODEL_WARMUP_RECORDS, Type.INT, 8, ConfigDef.Range.between(0, 100_000), Importance.LOW,
                    "Records a new version scores before it takes traffic: recent records of the current traffic, "
                            + "else model.warmup.file, else rows made from its signature. A version that throws or "
                            + "returns the wrong number of predictions is rejected.")
            .define(MODEL_WARMUP_FILE, Type.STRING, "", Importance.LOW,
                    "Example input records, one per line in the input codec, to warm new versions up with before "
                            + "there is traffic.")
            .define(MODEL_LOAD_TIMEOUT_MS, Type.LONG, 120_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long start-up may take to read model.topic to its end.")
            .define(MODEL_TOPIC_REPORT_STATUS, Type.BOOLEAN, true, Importance.LOW,
                    "Write each version's state (loaded, serving weight, rejected and why) back to model.topic, "
                            + "for 'inferstream models'.")
            .define(MODEL_TRUSTED_KEYS, Type.LIST, "", Importance.HIGH,
                    "PEM files of the public keys (elliptic curve) whose signatures this engine accepts. When set, "
                            + "a version from model.topic or a versioned model.path folder loads only if it carries an "
                            + "OpenSSF model signature (publish-model --sign-key, or model.sig beside a folder "
                            + "version) made by one of these keys over its current files, for this model name and "
                            + "version; any other version is rejected with the reason and the serving version keeps "
                            + "serving. Empty: versions are not checked (anyone who can write the model topic or "
                            + "folder deploys a model).")
            .define(SHADOW_TOPIC, Type.STRING, "", Importance.LOW,
                    "Topic for the predictions of shadow versions (they never reach output.topic). Empty: shadow "
                            + "versions in a routing are not scored.")
            .define(MODEL_CLASS_LABELS, Type.LIST, "", Importance.MEDIUM,
                    "Class labels for a model that outputs only a probability vector: each prediction then also gets "
                            + "the most probable label and a label-to-probability map.")
            .define(MODEL_CLASS_OUTPUT, Type.STRING, "", Importance.LOW,
                    "The output holding the class probabilities, with model.class.labels. Empty: the only output "
                            + "with one value per label.")
            .define(INPUT_CODEC, Type.STRING, "json", ValidString.in(CODECS.toArray(new String[0])), Importance.MEDIUM,
                    "How record values are decoded: json (an object with a field per model input), csv (values in "
                            + "the order of input.csv.header), float32 (raw little-endian floats for a model with one "
                            + "numeric input), avro or protobuf (fields mapped to inputs by name; see "
                            + "input.avro.encoding, input.protobuf.encoding and input.field.<input>).")
            .define(INPUT_CSV_HEADER, Type.LIST, "", Importance.MEDIUM,
                    "Column names of csv records, in order. Required with input.codec=csv.")
            .define(INPUT_ALLOW_NAN, Type.BOOLEAN, false, Importance.LOW,
                    "Accept NaN and infinities in numeric inputs. Off: such a record goes to the dead-letter topic.")
            .define(INPUT_MAX_RECORD_BYTES, Type.INT, 1_000_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Larger record values go to the dead-letter topic undecoded. The default leaves room under "
                            + "Kafka's default 1 MiB limits for a dead letter's headers, so dead letters stay whole.")
            .define(INPUT_AVRO_ENCODING, Type.STRING, ENCODING_REGISTRY,
                    ValidString.in(ENCODING_REGISTRY, ENCODING_BINARY, ENCODING_SINGLE_OBJECT), Importance.MEDIUM,
                    "With input.codec=avro, how a record value is framed: registry (the Confluent wire format: byte "
                            + "0, a 4-byte schema id, the body; each writer schema fetched from schema.registry.url "
                            + "once and cached), binary (the bare body, written with the one schema in "
                            + "input.avro.schema) or single-object (Avro's own C3 01 marker and 64-bit schema "
                            + "fingerprint, the schemas given in input.avro.schema).")
            .define(INPUT_AVRO_SCHEMA, Type.LIST, "", Importance.MEDIUM,
                    "Avro schema files (.avsc): the writer schema of binary records, or the known schemas of "
                            + "single-object records (several: one per version written to the topic).")
            .define(INPUT_PROTOBUF_ENCODING, Type.STRING, ENCODING_BINARY,
                    ValidString.in(ENCODING_REGISTRY, ENCODING_BINARY), Importance.MEDIUM,
                    "With input.codec=protobuf: binary (a bare message of input.protobuf.message, described by "
                            + "input.protobuf.descriptor.set) or registry (the Confluent wire format: byte 0, a 4-byte "
                            + "schema id, the message indexes, the message; the schema fetched from "
                            + "schema.registry.url in its serialized form).")
            .define(INPUT_PROTOBUF_DESCRIPTOR_SET, Type.STRING, "", Importance.MEDIUM,
                    "A descriptor set file (protoc --include_imports --descriptor_set_out=FILE) describing the "
                            + "records' message, for input.protobuf.encoding=binary.")
            .define(INPUT_PROTOBUF_MESSAGE, Type.STRING, "", Importance.MEDIUM,
                    "Full name of the records' message type in the descriptor set, e.g. shop.Transaction.")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "Base URL of a schema registry speaking Confluent's REST API (Confluent, Apicurio's ccompat "
                            + "API, Karapace, Redpanda), for input.avro.encoding=registry, Protobuf's registry "
                            + "encoding and output.codec=avro. Empty: none.")
            .define(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, Type.PASSWORD, "", Importance.LOW,
                    "user:password sent to the schema registry with HTTP basic authentication. Empty: none.")
            .define(SCHEMA_REGISTRY_SSL_CA_LOCATION, Type.STRING, "", Importance.LOW,
                    "PEM file of the CA certificates an https schema registry's certificate must chain to. Empty: "
                            + "the JVM's default trust store.")
            .define(SCHEMA_REGISTRY_TIMEOUT_MS, Type.INT, 10_000, ConfigDef.Range.between(1, 600_000), Importance.LOW,
                    "Longest wait for one schema registry request. A registry unreachable, timing out or answering "
                            + "5xx holds the batch and retries it with backoff (retry.backoff.*), as a remote model "
                            + "that cannot answer does: no record is dead-lettered for it.")
            .define(OUTPUT_CODEC, Type.STRING, "json", ValidString.in(OUTPUT_CODECS.toArray(new String[0])),
                    Importance.MEDIUM,
                    "How predictions are written: json, or avro (the Confluent wire format, with a schema derived "
                            + "from the model's outputs registered at schema.registry.url under <output.topic>-value, "
                            + "or as output.subject.name.strategy, output.auto.register.schemas and "
                            + "output.use.latest.version say; without a registry, Avro's single-object encoding).")
            .define(OUTPUT_SUBJECT_NAME_STRATEGY, Type.STRING, SUBJECT_TOPIC,
                    ValidString.in(SUBJECT_TOPIC, SUBJECT_RECORD, SUBJECT_TOPIC_RECORD), Importance.LOW,
                    "With output.codec=avro and a registry, the subject the predictions' schema goes under, as "
                            + "Confluent's serializers' value.subject.name.strategy: topic (<output.topic>-value, "
                            + "TopicNameStrategy), record (the record's full name, output.avro.record.name; "
                            + "RecordNameStrategy) or topic-record (<output.topic>-<record name>; "
                            + "TopicRecordNameStrategy).")
            .define(OUTPUT_AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.LOW,
                    "With output.codec=avro and a registry, register the predictions' schema under its subject "
                            + "(Confluent's auto.register.schemas). Off: the subject must already hold that exact "
                            + "schema (it is looked up, never registered); if not, the engine stops with an error "
                            + "naming the subject and the schema.")
            .define(OUTPUT_USE_LATEST_VERSION, Type.BOOLEAN, false, Importance.LOW,
                    "With output.codec=avro and a registry, write with the subject's latest registered schema "
                            + "instead of registering (Confluent's use.latest.version): predictions name its id. Its "
                            + "Parsing Canonical Form must equal the derived schema's (the same fields, types and "
                            + "names; docs and defaults may differ), else the engine stops with an error showing both.")
            .define(OUTPUT_AVRO_RECORD_NAME, Type.STRING, "io.inferstream.Prediction", Importance.LOW,
                    "Full name (namespace.name) of the Avro record predictions are written as; the subject with "
                            + "output.subject.name.strategy=record or topic-record.")
            .define(MAX_BATCH_SIZE, Type.INT, 500, ConfigDef.Range.between(1, 100_000), Importance.MEDIUM,
                    "Most records scored in one model call; also the consumer's max.poll.records.")
            .define(WORKER_THREADS, Type.INT, 1, ConfigDef.Range.between(1, 1024), Importance.MEDIUM,
                    "Worker threads, each with its own consumer; more than the input partitions leaves some idle.")
            .define(POLL_TIMEOUT_MS, Type.LONG, 100L, ConfigDef.Range.between(1, 60_000), Importance.LOW,
                    "Longest a worker waits in one poll for records.")
            .define(RETRY_BACKOFF_INITIAL_MS, Type.LONG, 100L, ConfigDef.Range.between(1, 3_600_000), Importance.LOW,
                    "When the model cannot answer now (a RetriableInferenceException: a remote server unreachable, a "
                            + "timeout, 429/503), the worker pauses its partitions and scores the same batch again "
                            + "after this wait, doubling it on each further attempt (with jitter), until the model "
                            + "answers. Nothing of the batch is dead-lettered or committed meanwhile.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 10_000L, ConfigDef.Range.between(1, 3_600_000), Importance.LOW,
                    "Longest wait between two attempts at a batch the model could not answer now (also the cap on "
                            + "a retry-after the model asks for). The worker keeps polling its paused partitions "
                            + "while it waits, so it stays in its consumer group however long the outage lasts.")
            .define(OUTPUT_PARTITIONING, Type.STRING, "input", ValidString.in("input", "key"), Importance.LOW,
                    "input: a prediction goes to the output partition numbered like its input partition (modulo "
                            + "the output's partition count), which keeps per-partition order even for records "
                            + "without keys; key: Kafka's default partitioner on the key.")
            .define(PROCESSING_GUARANTEE, Type.STRING, AT_LEAST_ONCE, ValidString.in(AT_LEAST_ONCE, EXACTLY_ONCE),
                    Importance.MEDIUM, "at_least_once: an offset is committed only once every prediction and dead "
                            + "letter of the records below it is acknowledged; a crash can repeat the records read "
                            + "since the last commit (see commit.interval.ms). exactly_once: outputs and offsets are "
                            + "committed in one transaction per commit.interval.ms, so readers with "
                            + "isolation.level=read_committed see every record's outcome exactly once.")
            .define(COMMIT_INTERVAL_MS, Type.LONG, null, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value != null) {
                    ConfigDef.Range.between(0, 3_600_000).ensureValid(name, value);
                }
            }, () -> "[0,...,3600000]"), Importance.MEDIUM,
                    "How often a worker commits what it has written, as in Kafka Streams. Between commits it keeps "
                            + "polling, scoring and sending without waiting for the broker. at_least_once: the offsets "
                            + "of records whose outputs are all acknowledged are committed; a crash repeats at most the "
                            + "records read since the last commit, so the interval bounds duplicates (a rebalance or a "
                            + "graceful stop commits first and repeats nothing). exactly_once: one transaction holds "
                            + "the interval's outputs and offsets, so read_committed readers see outputs up to this "
                            + "much later; keep it well below producer.transaction.timeout.ms. 0 commits after every "
                            + "batch. Default: " + AT_LEAST_ONCE_COMMIT_INTERVAL_MS + " under at_least_once, "
                            + EXACTLY_ONCE_COMMIT_INTERVAL_MS + " under exactly_once.")
            .define(INSTANCE_ID, Type.STRING, "", Importance.MEDIUM,
                    "A stable name for this engine instance, unique in its group (e.g. a StatefulSet pod name). Set, "
                            + "it gives fast recovery after a crash: static group membership (the restarted instance "
                            + "takes its partitions back without a rebalance) and, with exactly_once, stable "
                            + "transactional ids that fence the crashed instance's open transaction at once.")
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long close() waits for in-flight batches to finish and commit.")
            .define(METRICS_PORT, Type.INT, null, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value != null) {
                    ConfigDef.Range.between(0, 65_535).ensureValid(name, value);
                }
            }, () -> "[0,...,65535]"), Importance.MEDIUM,
                    "Port of the HTTP endpoint serving GET /metrics (Prometheus text), /health/live and /health/ready "
                    + "(200 once a model is loaded, partitions are assigned and the cluster answers; 503 with the "
                    + "reason otherwise). Not set: no endpoint. 0: any free port.")
            .define(METRICS_HOST, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Address the metrics.port endpoint listens on; 0.0.0.0 for every interface (e.g. for a "
                    + "Prometheus or Kubernetes probe on another host).")
            .define(METRICS_TLS_CERTIFICATE, Type.STRING, "", Importance.MEDIUM,
                    "PEM certificate (chain) for HTTPS on the metrics.port endpoint; with metrics.tls.key. Empty: "
                    + "plain HTTP.")
            .define(METRICS_TLS_KEY, Type.STRING, "", Importance.MEDIUM,
                    "The metrics.tls.certificate's private key: unencrypted PKCS#8 PEM (RSA, EC or Ed25519).")
            .define(METRICS_TLS_CLIENT_CA, Type.STRING, "", Importance.LOW,
                    "PEM CA certificates: with it, the metrics endpoint accepts only clients presenting a certificate "
                    + "they signed (mutual TLS). Needs metrics.tls.certificate.")
            .define(METRICS_TOKENS_FILE, Type.STRING, "", Importance.MEDIUM,
                    "File of bearer tokens, one a line (at least 16 characters; # comments): every request to the "
                    + "metrics endpoint needs 'Authorization: Bearer <token>' with one of them, else 401. Health "
                    + "(/health/live, /health/ready) stays open for probes unless metrics.health.needs.token.")
            .define(METRICS_HEALTH_NEEDS_TOKEN, Type.BOOLEAN, false, Importance.LOW,
                    "Whether /health/live and /health/ready need a token too (metrics.tokens.file).")
            .define(MONITOR_LABELS_TOPIC, Type.STRING, "", Importance.MEDIUM,
                    "Topic of true labels, keyed like the input records; the value is the class label or the number "
                    + "(plain text, or JSON: \"fraud\", 12.5, {\"label\": ...}). Each label is joined with the "
                    + "prediction made for its key within monitor.window.ms, giving accuracy (classifiers) or MAE and "
                    + "RMSE (regressors) per model version. Read by a consumer of its own, from the end of the topic "
                    + "at start, without a group or commits. Empty: off.")
            .define(MONITOR_WINDOW_MS, Type.LONG, 600_000L, ConfigDef.Range.between(1, 7L * 24 * 3_600_000),
                    Importance.LOW, "How long a prediction waits for its label; after that it counts as expired.")
            .define(MONITOR_PENDING_MAX, Type.INT, 200_000, ConfigDef.Range.between(1, 100_000_000), Importance.LOW,
                    "Most predictions waiting for a label at once (about 200 bytes each plus the key); at the cap the "
                    + "oldest is dropped and counted (inferstream_monitor_predictions_dropped_total, reason capacity).")
            .define(MONITOR_DRIFT_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Measure drift: a population stability index (PSI) per numeric input feature, for the predicted "
                    + "class distribution and for a regressor's value, per model version, against a reference "
                    + "(gauge inferstream_drift_psi). On as well when monitor.drift.reference.file is set.")
            .define(MONITOR_DRIFT_REFERENCE_RECORDS, Type.INT, 1000, ConfigDef.Range.between(10, 10_000_000),
                    Importance.LOW, "Records of a version's start taken as its drift reference (its deciles are the "
                    + "bins), and records per window compared with it afterwards.")
            .define(MONITOR_DRIFT_REFERENCE_FILE, Type.STRING, "", Importance.LOW,
                    "A drift reference for every version instead of each version's first records: JSON Lines, one "
                    + "object per reference record mapping feature names (as the PSI gauge's feature tag names them) "
                    + "to numbers, and predicted.class to a label.")
            .define(MONITOR_DRIFT_THRESHOLD, Type.DOUBLE, 0.2, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "PSI above which a feature's drift is logged as a warning, once per crossing (0.2: the usual "
                    + "threshold of a significant shift).");

    public EngineConfig(Map<?, ?> properties) {
        super(DEFINITION, rejectUnknownKeys(properties), false);
        if ("csv".equals(getString(INPUT_CODEC)) && getList(INPUT_CSV_HEADER).isEmpty()) {
            throw new ConfigException(INPUT_CSV_HEADER, "", "input.codec=csv needs the column names, e.g. "
                    + "input.csv.header=f0,f1,f2");
        }
        if (!getString(MODEL_TOPIC).isBlank() && getString(MODEL_NAME).isBlank()) {
            throw new ConfigException(MODEL_NAME, "", "model.topic needs model.name: the model to serve from the topic");
        }
        int modelLocations = (getString(MODEL_PATH) != null && !getString(MODEL_PATH).isBlank() ? 1 : 0)
                + (getString(MODEL_URL).isBlank() ? 0 : 1) + (getString(MODEL_TOPIC).isBlank() ? 0 : 1);
        if (modelLocations > 1) {
            throw new ConfigException("give one of model.path, model.url and model.topic, not several");
        }
        if (getList(INPUT_TOPICS).isEmpty()) {
            throw new ConfigException(INPUT_TOPICS, "", "give at least one input topic");
        }
        if (EXACTLY_ONCE.equals(getString(PROCESSING_GUARANTEE)) && GROUP_TYPE_SHARE.equals(getString(GROUP_TYPE))) {
            throw new ConfigException(PROCESSING_GUARANTEE, EXACTLY_ONCE, "exactly_once is not available with "
                    + GROUP_TYPE + "=" + GROUP_TYPE_SHARE + ": a share group cannot acknowledge records inside a "
                    + "transaction (Kafka has no transactional acknowledgement for share groups). Use at_least_once "
                    + "with the share group (and count duplicates downstream), or " + GROUP_TYPE + "="
                    + GROUP_TYPE_CONSUMER + " for exactly_once");
        }
        if (EXACTLY_ONCE.equals(getString(PROCESSING_GUARANTEE))) {
            Object timeout = producerOverrides().getOrDefault("transaction.timeout.ms", DEFAULT_TRANSACTION_TIMEOUT_MS);
            long timeoutMs = Long.parseLong(String.valueOf(timeout));
            if (commitInterval().toMillis() * 2 > timeoutMs) {
                throw new ConfigException(COMMIT_INTERVAL_MS, commitInterval().toMillis(), "under exactly_once a "
                        + "transaction stays open for the commit interval; keep it under half of "
                        + "producer.transaction.timeout.ms (" + timeoutMs + " ms), or the broker aborts it");
            }
        }
        if (getLong(RETRY_BACKOFF_MAX_MS) < getLong(RETRY_BACKOFF_INITIAL_MS)) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS, getLong(RETRY_BACKOFF_MAX_MS), "must be at least "
                    + RETRY_BACKOFF_INITIAL_MS + "=" + getLong(RETRY_BACKOFF_INITIAL_MS));
        }
    }

    /** @return {@value #COMMIT_INTERVAL_MS}, or its default for the processing guarantee. */
    public Duration commitInterval() {
        Long ms = getLong(COMMIT_INTERVAL_MS);
        if (ms == null) {
            ms = EXACTLY_ONCE.equals(getString(PROCESSING_GUARANTEE)) ? EXACTLY_ONCE_COMMIT_INTERVAL_MS
                    : AT_LEAST_ONCE_COMMIT_INTERVAL_MS;
        }
        return Duration.ofMillis(ms);
    }

    /** @return the definition of every key, with types, defaults, validators and docs. */
    public static ConfigDef definition() {
        return DEFINITION;
    }

    private static Map<?, ?> rejectUnknownKeys(Map<?, ?> properties) {
        Set<String> known = DEFINITION.names();
        for (Object k : properties.keySet()) {
            String key = String.valueOf(k);
            boolean passThrough = key.startsWith(CONSUMER_PREFIX) || key.startsWith(PRODUCER_PREFIX)
                    || CLIENT_SECURITY_PREFIXES.stream().anyMatch(key::startsWith)
                    || key.startsWith(MODEL_CONFIG_PREFIX) || key.startsWith(INPUT_CONCAT_PREFIX)
                    || key.startsWith(INPUT_FIELD_PREFIX)
                    || key.startsWith(REMOTE_PREFIX);
            if (!known.contains(key) && !passThrough) {
                throw new ConfigException("Unknown configuration key '" + key + "'" + OptionSpec.didYouMean(key, known)
                        + ". Known keys: " + new TreeSet<>(known) + "; prefixes security.*, ssl.*, sasl.*, "
                        + CONSUMER_PREFIX + "*, "
                        + PRODUCER_PREFIX + "*, " + MODEL_CONFIG_PREFIX + "*, " + REMOTE_PREFIX + "*, " + INPUT_CONCAT_PREFIX
                        + "<input>, " + INPUT_FIELD_PREFIX + "<input>.");
            }
        }
        return properties;
    }

    /**
     * @return the shared client security settings ({@code security.*}, {@code ssl.*}, {@code sasl.*}, as Kafka names
     *     them), which reach every client the engine makes
     */
    public Map<String, Object> clientSecurity() {
        Map<String, Object> out = new HashMap<>();
        originals().forEach((k, v) -> {
            if (CLIENT_SECURITY_PREFIXES.stream().anyMatch(k::startsWith)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * @return the consumer's settings: the shared security settings, then the keys given with the
     *     {@value #CONSUMER_PREFIX} prefix (prefix removed), which win; the admin client and the model topic's reader
     *     use them too
     */
    public Map<String, Object> consumerOverrides() {
        Map<String, Object> out = clientSecurity();
        out.putAll(originalsWithPrefix(CONSUMER_PREFIX));
        return out;
    }

    /** @return the shared security settings, then the keys given with the {@value #PRODUCER_PREFIX} prefix. */
    public Map<String, Object> producerOverrides() {
        Map<String, Object> out = clientSecurity();
        out.putAll(originalsWithPrefix(PRODUCER_PREFIX));
        return out;
    }

    /** @return the model loader's options: the {@value #MODEL_CONFIG_PREFIX} keys, prefix removed. */
    public Map<String, Object> modelOptions() {
        return originalsWithPrefix(MODEL_CONFIG_PREFIX);
    }

    /**
     * @return the {@value #REMOTE_PREFIX} keys given, prefix kept: the options a remote model's loader reads (and
     *     checks, with their defaults) next to {@link #modelOptions()}
     */
    public Map<String, Object> remoteOptions() {
        Map<String, Object> out = new LinkedHashMap<>();
        originals().forEach((key, value) -> {
            if (key.startsWith(REMOTE_PREFIX)) {
                out.put(key, value);
            }
        });
        return out;
    }

    /** @return model input to the dotted path of the Avro or Protobuf field feeding it ({@code input.field.<input>}). */
    public Map<String, String> inputFieldPaths() {
        Map<String, String> out = new LinkedHashMap<>();
        originalsWithPrefix(INPUT_FIELD_PREFIX).forEach((input, path) -> {
            String p = String.valueOf(path).trim();
            if (p.isEmpty() || p.startsWith(".") || p.endsWith(".") || p.contains("..")) {
                throw new ConfigException(INPUT_FIELD_PREFIX + input, path, "give a field name or a dotted path of "
                        + "nested fields, e.g. payment.amount");
            }
            out.put(input, p);
        });
        return out;
    }

    /** @return tensor input name to the scalar fields joined into it, in order. */
    public Map<String, List<String>> inputConcatenations() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        originalsWithPrefix(INPUT_CONCAT_PREFIX).forEach((input, fields) -> {
            List<String> list = new ArrayList<>();
            for (String f : String.valueOf(fields).split(",")) {
                if (!f.isBlank()) {
                    list.add(f.trim());
                }
            }
            if (list.isEmpty()) {
                throw new ConfigException(INPUT_CONCAT_PREFIX + input, fields, "list the fields to join, e.g. f0,f1,f2");
            }
            out.put(input, List.copyOf(list));
        });
        return out;
    }

    /** @return the given properties as strings, for logging and for building derived configs. */
    public Map<String, String> originalStrings() {
        Map<String, String> out = new HashMap<>();
        originals().forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** @return the configuration reference as a Markdown table, for the README. */
    public static String toMarkdownTable() {
        StringBuilder sb = new StringBuilder("| key | type | default | valid values | description |\n|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : DEFINITION.configKeys().values()) {
            String def = key.hasDefault() ? (key.defaultValue == null ? "none" : "`" + ConfigDef.convertToString(key.defaultValue, key.type) + "`")
                    : "**required**";
            if ("``".equals(def)) {
                def = "empty";
            }
            sb.append("| `").append(key.name).append("` | ").append(key.type.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(def).append(" | ").append(key.validator == null ? "" : key.validator.toString().replace("|", "\\|"))
                    .append(" | ").append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        sb.append("| `consumer.*` | | | | Passed to the Kafka consumer, prefix removed (e.g. `consumer.fetch.min.bytes`). "
                + "`enable.auto.commit` is always false: the engine commits. The engine's own defaults: "
                + "`fetch.min.bytes=65536` with `fetch.max.wait.ms=5` (a fetch waits up to 5 ms to gather records "
                + "at a moderate rate; set `consumer.fetch.min.bytes=1` for Kafka's answer-at-once), "
                + "`auto.offset.reset=earliest`, `max.poll.records` = `max.batch.size`. |\n");
        sb.append("| `producer.*` | | | | Passed to the Kafka producer, prefix removed (e.g. `producer.linger.ms`). The "
                + "engine's own defaults: `linger.ms=5`, `batch.size=262144`, `acks=all`, idempotence on. |\n");
        sb.append("| `security.*`, `ssl.*`, `sasl.*` | | | | Kafka client security settings (e.g. "
                + "`security.protocol=SASL_SSL`, `ssl.truststore.location`, `sasl.jaas.config`), given once for every "
                + "client the engine makes: consumers, producers, the admin client and the model topic's reader and "
                + "writer. `consumer.`/`producer.` keys win for their client. |\n");
        sb.append("| `model.config.*` | | | | Passed to the model loader, prefix removed (e.g. `model.config.version`); "
                + "each loader's options are listed below. |\n");
        sb.append("| `remote.*` | | | | With a remote model: passed to its loader, prefix kept; listed below with the "
                + "remote loaders' options. |\n");
        sb.append("| `input.concat.<input>` | list | | | Scalar fields joined, in this order, into the tensor input "
                + "`<input>` (e.g. `input.concat.features=f0,f1,f2,f3`). |\n");
        return sb.toString();
    }
}
