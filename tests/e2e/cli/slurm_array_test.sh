#!/bin/bash
# A Slurm job array on a single-node Slurm this test starts itself (munged, slurmctld and slurmd on
# 127.0.0.1, from Debian's munge and slurm-wlm, with a generated key and slurm.conf in a temporary
# folder and free ports): `sbatch --array=0-2 --wait examples/slurm/shard_array.sbatch` runs three
# shards of the nuclei U-Net on img2d.tif with `--shard auto`, and their one OME-Zarr output is the
# unsharded run's, file for file and byte for byte. Every daemon started is stopped on any exit.
# Usage: slurm_array_test.sh DEEPIMAGE SOURCE_DIR. Exit 77 (skipped) only when ../shared is absent.
set -euo pipefail
deepimage=$1 source_dir=$2
realdata=$source_dir/../shared/realdata
if [ ! -d "$realdata" ]; then echo "../shared/realdata is absent: skipped"; exit 77; fi
for tool in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (scripts/install-deps.sh installs munge and slurm-wlm)"; exit 1; }
done

work=$(mktemp -d /tmp/deepimage-slurm-XXXXXX)
chmod 700 "$work"
pids=()
stop() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/*.log "$work"/task-*.out; do [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap stop EXIT INT TERM

# Ports nobody listens on.
free_port() {
  local port
  while :; do
    port=$(shuf -i 20000-60000 -n 1)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

# munge: a fresh key, its own socket; --force because the test runs as root.
mkdir -p "$work/munge"
chmod 700 "$work/munge"
mungekey --create --keyfile="$work/munge/munge.key" >/dev/null
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge.log" --seed-file="$work/munge/munge.seed" >>"$work/munge.log" 2>&1 &
pids+=($!)

node=$(hostname -s)
ctld_port=$(free_port) slurmd_port=$(free_port)
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=deepimage-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=3 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >>"$work/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$work/slurmd.log" 2>&1 &
pids+=($!)

# The node takes a few seconds to register.
for _ in $(seq 60); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  case "$state" in idle*|mixed*|allocated*) break ;; esac
  sleep 0.5
done
case "$state" in idle*|mixed*|allocated*) ;; *) echo "error: the Slurm node did not come up (state \"$state\")"; exit 1 ;; esac

model=$realdata/unet2d_nuclei_broad
image=$realdata/images/stardist_testdata/img2d.tif
cd "$work"
"$deepimage" run "$model" "$image" -o whole.ome.zarr --threads 1 --quiet
"$deepimage" stats "$model" "$image" -o stats.json >/dev/null
DEEPIMAGE=$deepimage sbatch --wait --array=0-2 --output="$work/task-%a.out" \
  "$source_dir/examples/slurm/shard_array.sbatch" "$model" "$image" "$work/sharded.ome.zarr" "$work/stats.json" >/dev/null
for task in 0 1 2; do
  [ -f "task-$task.out" ] || { echo "error: array task $task left no output file"; exit 1; }
done
# The union of the three tasks' chunks, with the pyramid added once all are done, is the unsharded
# output, file for file, byte for byte.
"$deepimage" pyramid sharded.ome.zarr >/dev/null
diff -r whole.ome.zarr sharded.ome.zarr
echo "slurm array of 3 shards: output equals the unsharded run"
