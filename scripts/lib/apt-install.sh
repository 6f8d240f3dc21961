# shellcheck shell=bash
# Sourced by the scripts that install missing system programs (install-test-deps.sh,
# image-deps.sh).

# apt_install [--with-recommends] PACKAGE…: installs the packages with apt-get (sudo when not
# root); without apt-get, says what to install and exits 1.
apt_install() {
  local recommends=--no-install-recommends
  if [ "${1:-}" = --with-recommends ]; then
    recommends=""
    shift
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: $* — install them with your package manager (Debian: apt-get install $*)" >&2
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: $*"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086 # empty when recommends are wanted
  $sudo apt-get install -y -qq $recommends "$@"
}
