# Sourced by the bench scripts: need_peers NAME PEER...: every peer the benchmark compares
# against is installed (a command, or py:MODULE for a Python module), or the script says
# which are missing and exits 1: a ratio must never disappear from the output unseen.
need_peers() {
	local name=$1 p missing=()
	shift
	for p in "$@"; do
		case $p in
		py:*) python3 -c "import ${p#py:}" 2>/dev/null || missing+=("python3-${p#py:}") ;;
		*) command -v "$p" >/dev/null 2>&1 || missing+=("$p") ;;
		esac
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "$name: peer missing: ${missing[*]} (bash scripts/deps.sh --peers installs the peers)" >&2
	exit 1
}
