# Sourced by scripts/test and scripts/soak (from the repository's root): installs what the
# tests need (esptool 5.6.0 in .venv, the flasher stubs) and exports where they are.

ESPCTL_ESPTOOL=$(scripts/setup-esptool)
export ESPCTL_ESPTOOL

# Real firmware images and ELFs from esptool's test folder (kept outside the repository).
: "${ESPCTL_FIXTURES:=$PWD/../shared/fixtures/esptool-test-data}"
if [ ! -d "$ESPCTL_FIXTURES/images" ]; then
  echo "error: test fixtures not found at $ESPCTL_FIXTURES; set ESPCTL_FIXTURES to the esptool-test-data folder" >&2
  exit 1
fi
export ESPCTL_FIXTURES

# The flasher stubs: esp-flasher-stub v1.4.1 (Apache-2.0 OR MIT) as esptool 5.6.0 ships
# them. Downloaded once into .cache (ignored by git), installed with `espctl stub import`
# into a data directory the tests read.
stub_cache=.cache/stubs
sdist=$stub_cache/esptool-5.6.0.tar.gz
if [ ! -f "$sdist" ]; then
  mkdir -p "$stub_cache"
  "$(dirname "$ESPCTL_ESPTOOL")/pip" download --quiet --disable-pip-version-check \
    --no-deps esptool==5.6.0 -d "$stub_cache" >&2
fi
export ESPCTL_STUB_SDIST=$PWD/$sdist
export ESPCTL_TEST_DATA_DIR=$PWD/.cache/espctl-data
ESPCTL_DATA_DIR=$ESPCTL_TEST_DATA_DIR cargo run --quiet --locked -p espctl -- stub import "$sdist" >/dev/null
