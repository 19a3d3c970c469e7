#!/usr/bin/env bash
# Single-node Slurm 22.05 (Debian 12) for the SLURM integration test (tests/slurm.rs) in CI.
# Usage: slurm-single-node.sh up|down|status. Needs root. Runs without systemd and without
# cgroup enforcement (proctrack/linuxproc, task/none), so that it runs in a container.
# `down` stops exactly the daemons `up` started, by the PIDs in their pid files.
# One setting chosen for CI: MinJobAge=16 (default 300). `sbatch --wait` polls after 2, 8,
# then 32 s unless a poll is shorter than MinJobAge/2, so a job that needs 11 s is seen after
# 42 s; with 16 the polls stay 8 s apart and CI waits at most 8 s longer than the job.
set -euo pipefail
ETC=/etc/slurm
STATE=${SLURM_TEST_STATE:-/var/spool/slurm-test}
LOG=${SLURM_TEST_LOG:-/var/log/slurm-test}
CPUS=$(nproc)
case "${1:-up}" in
up)
  if ! command -v slurmctld >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=120 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
      --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  fi
  if [ ! -s /etc/munge/munge.key ]; then     # normally created by munge's postinst
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 755 /run/munge   # no systemd-tmpfiles here
  if ! munge -n >/dev/null 2>&1 </dev/null; then
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  mkdir -p "$ETC" "$STATE/ctld" "$STATE/d" "$LOG"
  cat > "$ETC/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=localhost
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
MinJobAge=16
NodeName=localhost CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }   # already up: keep it
  running /run/slurmctld.pid || /usr/sbin/slurmctld
  running /run/slurmd.pid || /usr/sbin/slurmd -N localhost   # -N maps the hostname to NodeName=localhost
  for _ in $(seq 100); do
    sinfo -h -o '%T' 2>/dev/null | grep -qx idle && { sinfo; exit 0; }
    sleep 0.2
  done
  echo "slurm did not become idle; see $LOG" >&2; exit 1
  ;;
down)   # stop exactly the daemons this script started, by PID file
  for f in /run/slurmd.pid /run/slurmctld.pid; do
    if [ -s "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  if [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
  ;;
status) sinfo; squeue ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
