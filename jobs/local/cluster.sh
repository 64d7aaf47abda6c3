#!/usr/bin/env bash
# A real multi-process Apache Flink session cluster on this machine, from Maven artifacts.
#
#   jobs/local/cluster.sh up              JobManager + 2 TaskManagers (waits until 2 are registered)
#   jobs/local/cluster.sh down            stops every process the script started (TERM, then KILL)
#   jobs/local/cluster.sh kill-tm [N]     kill -9 TaskManager N (default: the oldest one running)
#   jobs/local/cluster.sh start-tm        starts one more TaskManager (a replacement)
#   jobs/local/cluster.sh submit JAR [ARGS...]
#                                         uploads JAR with POST /jars/upload and runs it with
#                                         POST /jars/<id>/run (ARGS are the program arguments);
#                                         prints the job id
#   jobs/local/cluster.sh status          processes, registered TaskManagers, jobs
#   jobs/local/cluster.sh rest            prints the REST/web UI base URL
#
# Environment: CLUSTER_DIR (default jobs/local/target/cluster: pids, logs, tmp, checkpoints,
# config), CLUSTER_REST_PORT (default 18081), CLUSTER_RPC_PORT (default 16123),
# CLUSTER_SLOTS (slots per TaskManager, default 2), CLUSTER_TM_MEMORY (default 1280m),
# CLUSTER_JM_MEMORY (default 1024m), JAVA (default java).
#
# What runs: flink-dist (bin/, lib/) is not used. The classpath is flink-runtime,
# flink-streaming-java, flink-clients, flink-runtime-web (REST /jars and the web UI),
# flink-statebackend-rocksdb and log4j, resolved by `mvn dependency:build-classpath` on
# jobs/local/cluster/pom.xml (versions from the parent pom). The processes are exactly the ones
# Flink's own scripts start: StandaloneSessionClusterEntrypoint (JobManager: dispatcher, resource
# manager, REST) and TaskManagerRunner, each with --configDir and the JVM/memory options computed
# by BashJavaUtils GET_JM_RESOURCE_PARAMS / GET_TM_RESOURCE_PARAMS, as jobmanager.sh and
# taskmanager.sh do. The job (the filter's shaded jar) brings its connectors; the cluster has
# only Flink itself.
#
# How this maps onto a real deployment:
# - Standalone (VMs/bare metal): use flink-dist 2.2.1 instead of the Maven classpath; the same
#   config.yaml goes into conf/; bin/jobmanager.sh start and bin/taskmanager.sh start on each host
#   replace `up`/`start-tm`. Change the 127.0.0.1 bind/advertised addresses (jobmanager.rpc.address,
#   *.bind-host, rest.address/bind-address) to the hosts' addresses, put checkpoints
#   (execution.checkpointing.dir) on a shared durable filesystem (S3/HDFS/NFS), enable JobManager
#   high availability (high-availability.type: zookeeper or kubernetes, high-availability.storageDir),
#   and size memory for the host (taskmanager.memory.process.size).
# - Kubernetes: the Flink Kubernetes Operator (FlinkDeployment in application mode with the
#   job jar in the image) replaces this script; the config.yaml keys below go into
#   spec.flinkConfiguration; kill-tm corresponds to a TaskManager pod being deleted, which the
#   operator/Flink's native resource manager replaces itself (no start-tm). Use
#   high-availability.type: kubernetes and an object store for checkpoints.
# - YARN: flink run-application -t yarn-application with the same keys as -D options; YARN
#   restarts containers, HA via ZooKeeper, checkpoints on HDFS.
# - Kept as-is everywhere: heartbeat.interval/timeout (fast detection of a lost TaskManager),
#   RocksDB with incremental checkpoints, the restart strategy, and the job's own settings
#   (exactly-once, transaction.timeout above checkpoint duration plus restart time and below the
#   broker's transaction.max.timeout.ms).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${CLUSTER_DIR:-$HERE/target/cluster}"
REST_PORT="${CLUSTER_REST_PORT:-18081}"
RPC_PORT="${CLUSTER_RPC_PORT:-16123}"
SLOTS="${CLUSTER_SLOTS:-2}"
TM_MEMORY="${CLUSTER_TM_MEMORY:-1280m}"
JM_MEMORY="${CLUSTER_JM_MEMORY:-1024m}"
JAVA="${JAVA:-java}"
CONF="$DIR/conf"
# What flink-dist's config.yaml sets as env.java.default-opts.all: Java 17 module openings Flink
# needs (without them the job's submission fails in ExecutionEnvironmentImpl's initializer).
JAVA_OPENS=(
  --add-exports=java.management/sun.management=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)
REST="http://127.0.0.1:$REST_PORT"

log() { echo "cluster: $*" >&2; }
die() { log "$*"; exit 1; }

classpath() {
  local cp="$DIR/classpath.txt"
  if [[ ! -s "$cp" || "$HERE/cluster/pom.xml" -nt "$cp" ]]; then
    mkdir -p "$DIR"
    log "resolving the Flink classpath (mvn dependency:build-classpath on cluster/pom.xml)"
    mvn -B -q -f "$HERE/cluster/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$cp" >"$DIR/mvn-classpath.log" 2>&1 ||
      die "classpath resolution failed, see $DIR/mvn-classpath.log"
  fi
  cat "$cp"
}

write_config() {
  mkdir -p "$CONF" "$DIR/log" "$DIR/pids" "$DIR/tmp" "$DIR/checkpoints" "$DIR/savepoints" "$DIR/web"
  cat >"$CONF/config.yaml" <<EOF
# Written by jobs/local/cluster.sh; see its header for a real deployment.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.memory.process.size: $TM_MEMORY
taskmanager.numberOfTaskSlots: $SLOTS
parallelism.default: 2
# A killed TaskManager is declared dead after 8 s instead of 50 s (with the defaults every
# kill costs about 11 failed restarts before the slot is released).
heartbeat.interval: 1000
heartbeat.timeout: 8000
state.backend.type: rocksdb
execution.checkpointing.incremental: true
execution.checkpointing.dir: file://$DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$DIR/savepoints
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1s
restart-strategy.exponential-delay.max-backoff: 10s
restart-strategy.exponential-delay.backoff-multiplier: 1.5
restart-strategy.exponential-delay.reset-backoff-threshold: 1min
restart-strategy.exponential-delay.attempts-before-reset-backoff: 1000
io.tmp.dirs: $DIR/tmp
web.tmpdir: $DIR/web
web.upload.dir: $DIR/web
blob.server.port: 0
taskmanager.rpc.port: 0
EOF
  cat >"$CONF/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.rocksdb.name = org.apache.flink.state.rocksdb
logger.rocksdb.level = WARN
EOF
}

# BashJavaUtils prints the JVM options and the dynamic properties on lines prefixed with
# BASH_JAVA_UTILS_EXEC_RESULT: (first the JVM parameters, then the -D dynamic configs).
resource_params() {
  local cmd="$1" cp="$2" out
  out="$("$JAVA" -Djava.io.tmpdir="$DIR/tmp" -Dlog4j2.configurationFile="$CONF/log4j.properties" \
    -Dlog.file="$DIR/log/bash-java-utils.log" -cp "$cp" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$cmd" --configDir "$CONF" 2>&1)" ||
    die "BashJavaUtils $cmd failed: $out"
  echo "$out" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

# A pid file counts only while its process is still one of ours (its command line names our config
# directory): pids recycle fast, and a stale file must never lead to signalling a stranger.
# (No `| grep -q`: under pipefail its early exit can fail the writer on a long command line.)
ours() {
  local cmdline
  [[ -r "/proc/$1/cmdline" ]] && cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline")" && [[ "$cmdline" == *"$CONF"* ]]
}
running() { [[ -f "$1" ]] && ours "$(cat "$1")"; }

start_jm() {
  local cp="$1" params jvm dyn
  running "$DIR/pids/jobmanager.pid" && { log "JobManager already running"; return; }
  params="$(resource_params GET_JM_RESOURCE_PARAMS "$cp")"
  jvm="$(head -n 1 <<<"$params")"
  dyn="$(tail -n 1 <<<"$params")"
  # shellcheck disable=SC2086
  nohup "$JAVA" $jvm "${JAVA_OPENS[@]}" -Djava.io.tmpdir="$DIR/tmp" -Dlog.file="$DIR/log/jobmanager.log" \
    -Dlog4j2.configurationFile="$CONF/log4j.properties" -cp "$cp" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    --configDir "$CONF" --executionMode cluster $dyn \
    >"$DIR/log/jobmanager.out" 2>&1 </dev/null &
  echo $! >"$DIR/pids/jobmanager.pid"
  log "JobManager pid $! (web UI $REST)"
}

next_tm_index() {
  local n=1
  while [[ -e "$DIR/pids/taskmanager-$n.pid" || -e "$DIR/pids/taskmanager-$n.dead" ]]; do n=$((n + 1)); done
  echo "$n"
}

start_tm() {
  local cp="$1" params jvm dyn n
  params="$(resource_params GET_TM_RESOURCE_PARAMS "$cp")"
  jvm="$(head -n 1 <<<"$params")"
  dyn="$(tail -n 1 <<<"$params")"
  n="$(next_tm_index)"
  # shellcheck disable=SC2086
  nohup "$JAVA" $jvm "${JAVA_OPENS[@]}" -Djava.io.tmpdir="$DIR/tmp" -Dlog.file="$DIR/log/taskmanager-$n.log" \
    -Dlog4j2.configurationFile="$CONF/log4j.properties" -cp "$cp" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$CONF" -Dtaskmanager.resource-id="tm-$n" $dyn \
    >"$DIR/log/taskmanager-$n.out" 2>&1 </dev/null &
  echo $! >"$DIR/pids/taskmanager-$n.pid"
  log "TaskManager tm-$n pid $!"
}

registered_tms() {
  { curl -sf "$REST/taskmanagers" 2>/dev/null || true; } | { grep -o '"id":"[^"]*"' || true; } | wc -l
}

await_tms() {
  local want="$1" deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    local have
    have="$(registered_tms)"
    if ((have >= want)); then log "$have TaskManager(s) registered"; return 0; fi
    sleep 1
  done
  die "fewer than $want TaskManagers registered after 120 s (logs in $DIR/log)"
}

stop_pidfile() {
  local f="$1" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if ours "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do ours "$pid" || break; sleep 0.5; done
    if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  up)
    command -v curl >/dev/null || die "curl is required"
    cp="$(classpath)"
    write_config
    rm -f "$DIR"/pids/taskmanager-*.dead
    start_jm "$cp"
    start_tm "$cp"
    start_tm "$cp"
    deadline=$((SECONDS + 120))
    until curl -sf "$REST/overview" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "REST API not up after 120 s, see $DIR/log/jobmanager.log"
      running "$DIR/pids/jobmanager.pid" || die "JobManager exited, see $DIR/log/jobmanager.out"
      sleep 1
    done
    await_tms 2
    echo "$REST"
    ;;
  start-tm)
    cp="$(classpath)"
    [[ -f "$CONF/config.yaml" ]] || die "no cluster: run up first"
    start_tm "$cp"
    ;;
  kill-tm)
    n="${1:-}"
    if [[ -z "$n" ]]; then
      for f in $(ls "$DIR"/pids/taskmanager-*.pid 2>/dev/null | sort -V); do
        if running "$f"; then n="$(basename "$f" .pid)"; n="${n#taskmanager-}"; break; fi
      done
    fi
    [[ -n "$n" ]] || die "no TaskManager running"
    f="$DIR/pids/taskmanager-$n.pid"
    running "$f" || die "TaskManager $n is not running"
    kill -9 "$(cat "$f")"
    mv "$f" "$DIR/pids/taskmanager-$n.dead"
    log "killed -9 TaskManager tm-$n"
    echo "$n"
    ;;
  submit)
    jar="${1:?usage: submit JAR [ARGS...]}"
    shift
    [[ -f "$jar" ]] || die "no such jar: $jar"
    up="$(curl -sf -X POST -H 'Expect:' -F "jarfile=@$jar" "$REST/jars/upload")" ||
      die "upload failed"
    id="$(echo "$up" | sed -n 's/.*"filename":"[^"]*\/\([^"/]*\)".*/\1/p')"
    [[ -n "$id" ]] || die "unexpected upload answer: $up"
    args_json=""
    for a in "$@"; do
      a="${a//\\/\\\\}"
      a="${a//\"/\\\"}"
      args_json+="${args_json:+,}\"$a\""
    done
    run="$(curl -sf -X POST -H 'Content-Type: application/json' \
      -d "{\"programArgsList\":[${args_json}]}" "$REST/jars/$id/run")" ||
      die "run failed: $(curl -s -X POST -H 'Content-Type: application/json' \
        -d "{\"programArgsList\":[${args_json}]}" "$REST/jars/$id/run")"
    echo "$run" | sed -n 's/.*"jobid":"\([0-9a-f]*\)".*/\1/p'
    ;;
  status)
    for f in "$DIR"/pids/*.pid; do
      [[ -e "$f" ]] || continue
      if running "$f"; then echo "$(basename "$f" .pid) pid $(cat "$f") running"
      else echo "$(basename "$f" .pid) pid $(cat "$f") not running"; fi
    done
    echo "registered TaskManagers: $(registered_tms)"
    curl -sf "$REST/jobs/overview" 2>/dev/null || echo "REST API not reachable at $REST"
    echo
    ;;
  rest)
    echo "$REST"
    ;;
  down)
    for f in "$DIR"/pids/taskmanager-*.pid; do [[ -e "$f" ]] && stop_pidfile "$f"; done
    stop_pidfile "$DIR/pids/jobmanager.pid"
    rm -f "$DIR"/pids/taskmanager-*.dead
    log "stopped"
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
