# shellcheck shell=dash
# Shell helpers for test scripts in the splitvm test initramfs.
# /init sources this file before it sources /test.sh (in a subshell whose
# exit status becomes `@@ DONE <status>`). Names are single words.
#
#   pass NAME                 @@ PASS NAME
#   fail NAME WHY...          @@ FAIL NAME WHY...   (DONE is then non-zero)
#   skip NAME WHY...          @@ SKIP NAME WHY...
#   check NAME CMD [ARGS...]  run CMD; PASS if it exits 0, else FAIL
#   marker KEY [VALUES...]    @@ KEY VALUES...      (any other marker)
#   wait_for SECS CMD [ARGS]  retry CMD every 0.1 s until it succeeds or
#                             SECS pass; returns CMD's last status

marker() {
	echo "@@ $*"
}

pass() {
	marker PASS "$1"
}

fail() {
	local name="$1"
	shift
	echo "$name" >>/run/splitvm-failures
	marker FAIL "$name" "${*:-failed}"
}

skip() {
	local name="$1"
	shift
	marker SKIP "$name" "$*"
}

check() {
	local name="$1" rc=0
	shift
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "exit $rc: $*"
	fi
	return 0
}

wait_for() {
	local secs="$1" i=0 rc=0
	shift
	while :; do
		rc=0
		"$@" && return 0 || rc=$?
		i=$((i + 1))
		[ "$i" -lt $((secs * 10)) ] || return "$rc"
		sleep 0.1
	done
}
