#!/usr/bin/env bash
# check-new-chips.sh: esptool-js 0.7.0 (the flasher behind ESP Web Tools) against every
# virtual chip newer than the ESP32 that it supports, with its stub and without.
# ../shared/referees/esptool-js/run-checks.sh covers the ESP8266 and the ESP32 (its
# referee accepts only those two); this script drives esptool-js itself through
# session.mjs and checks every result against the chip's facts and its flash file.
# Without the stub, writes go as esptool.py sends them to the ROM: after SPI_ATTACH in the
# ROM's form and in 0x400-byte blocks (esptool-js never attaches and sends the ROM 0x4000-
# byte blocks: that path is a PROBE line, not counted, as in run-checks.sh). On the chips with USB-Serial/JTAG a session also runs against the
# chip's --usb-jtag port at 921600 baud, which that port ignores.
# The last line is "N/M esptool-js checks pass on esp32s2 ... esp32p4".
#
# Env: ESPCTL (default: target/release/espctl), ESPTOOL_JS_REFEREE (default:
#      ../shared/referees/esptool-js, its node_modules installed by its run-checks.sh or
#      `npm ci` there), CHIPS (default: all eight), KEEP=1 keeps the work folder.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
ESPCTL=${ESPCTL:-$REPO/target/release/espctl}
REFEREE=${ESPTOOL_JS_REFEREE:-$REPO/../shared/referees/esptool-js}
CHIPS=${CHIPS:-esp32s2 esp32s3 esp32c2 esp32c3 esp32c5 esp32c6 esp32h2 esp32p4}
SESSION="$REPO/scripts/esptool-js/session.mjs"
JEDEC=0x1640ef # Winbond W25Q32, 4MB
FLASH=$((0x400000))
MAC=24:0a:c4:12:34:56

[[ -x $ESPCTL ]] || { echo "no espctl at $ESPCTL (cargo build --release -p espctl)"; exit 2; }
[[ -d $REFEREE/node_modules/esptool-js ]] ||
  { echo "esptool-js is not installed in $REFEREE: run its run-checks.sh once (or npm ci there)"; exit 2; }

WORK=$(mktemp -d)
SIM_PID=
cleanup() {
  [[ -n $SIM_PID ]] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  [[ ${KEEP:-0} == 1 ]] && echo "work folder kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
TOTAL=0
PROBES=0

# The name esptool-js gives each chip (its CHIP_NAME).
chip_name() { local n=${1#esp32}; echo "ESP32-${n^^}"; }

# start_sim CHIP [ARGS]: a fresh virtual chip on random flash contents; sets PORT and IMG
start_sim() {
  local chip=$1
  shift
  IMG="$WORK/$chip.flash"
  head -c $FLASH /dev/urandom >"$IMG"
  "$ESPCTL" virtual --chip "$chip" --flash-file "$IMG" --flash-size 4MB --listen 127.0.0.1:0 \
    --mac "$MAC" --jedec-id "$JEDEC" "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  SIM_PID=$!
  PORT=
  for _ in $(seq 100); do
    PORT=$(head -1 "$WORK/sim.out" 2>/dev/null)
    [[ $PORT == socket://* ]] && return
    sleep 0.05
  done
  echo "virtual $chip did not start: $(cat "$WORK/sim.err")"
  exit 2
}
stop_sim() {
  kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  SIM_PID=
}

# session NAME [--no-stub] STEP...: one esptool-js session; output in $WORK/NAME.{out,err}
session() {
  local name=$1
  shift
  timeout 240 node "$SESSION" --referee "$REFEREE" --port "$PORT" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err"
}
# field NAME STEP KEY: a value session.mjs printed
field() { sed -n "s/^$2 .*\b$3=\([^ ]*\).*/\1/p" "$WORK/$1.out" | head -1; }
failure() { tail -1 "$WORK/$1.err"; }

# verdict CHECK WHY: passes when WHY is empty
verdict() {
  TOTAL=$((TOTAL + 1))
  if [[ -z $2 ]]; then
    PASS=$((PASS + 1))
    printf 'PASS  %-8s %s\n' "$CHIP" "$1"
  else
    printf 'FAIL  %-8s %s\n        %s\n' "$CHIP" "$1" "$2"
  fi
}


probe() {
  PROBES=$((PROBES + 1))
  printf 'PROBE %-8s %s\n        %s\n' "$CHIP" "$1" "$2"
}

# region_is FILE ADDR LEN BYTE-FILE: FILE holds BYTE-FILE at ADDR
region_is() { cmp -s -n "$3" -i "$2:0" "$1" "$4"; }

check_identify() {
  local name=$1 stub=$2
  shift 2
  local why=""
  if ! session "$name" "$@" identify; then
    why="exit: $(failure "$name")"
  else
    local got want
    got="chip=$(field "$name" identify chip) mac=$(field "$name" identify mac) stub=$(field "$name" identify stub)"
    want="chip=\"$(chip_name "$CHIP")\" mac=$MAC stub=$stub"
    [[ $got == "$want" ]] || why="got '$got', want '$want'"
  fi
  verdict "$name: identify $* (crystal $(field "$name" identify crystal) MHz)" "$why"
}

check_flash_id() {
  local name=$1
  shift
  local why="" want
  want=$(printf '0x%06x' "$JEDEC")
  if ! session "$name" "$@" flash-id; then
    why="exit: $(failure "$name")"
  elif [[ $(field "$name" flash-id id) != "$want" ]]; then
    why="readFlashId() gave $(field "$name" flash-id id), the chip's JEDEC id is $want"
  fi
  verdict "$name: flash-id $*" "$why"
}

# check_write NAME ADDR SIZE [SESSION-ARGS/STEPS]: write random bytes (after the given
# steps), then compare the flash file inside the range and outside the 4 KB sectors it
# touches
check_write() {
  local name=$1 addr=$(($2)) size=$3
  shift 3
  local data="$WORK/$name.bin" why=""
  head -c "$size" /dev/urandom >"$data"
  cp "$IMG" "$WORK/before.flash"
  local first=$((addr / 4096 * 4096)) end=$(((addr + size + 4095) / 4096 * 4096))
  if ! session "$name" "$@" "write:$addr:$data"; then
    why="exit: $(failure "$name")"
  elif ! region_is "$IMG" "$addr" "$size" "$data"; then
    why="the flash file does not hold the data at $(printf 0x%x $addr)"
  elif ! cmp -s -n "$first" "$WORK/before.flash" "$IMG" || ! cmp -s -i "$end:$end" "$WORK/before.flash" "$IMG"; then
    why="bytes changed outside the sectors written"
  fi
  verdict "$name: write-flash $(printf 0x%x $addr) ($size random bytes, verify $(field "$name" write verified)) $*" "$why"
}

check_read() {
  local name=$1 addr=$(($2)) size=$3
  shift 3
  local out="$WORK/$name.read" why=""
  if ! session "$name" "$@" "read:$addr:$size:$out"; then
    why="exit: $(failure "$name")"
  elif [[ $(stat -c %s "$out") != "$size" ]] || ! region_is "$IMG" "$addr" "$size" "$out"; then
    why="the data read differs from the flash file"
  fi
  verdict "$name: read-flash $(printf 0x%x $addr) $size $*" "$why"
}

check_erase_region() {
  local name=$1 addr=$(($2)) size=$3
  local why=""
  cp "$IMG" "$WORK/before.flash"
  head -c "$size" /dev/zero | tr '\0' '\377' >"$WORK/ff.bin"
  if ! session "$name" "erase-region:$addr:$size"; then
    why="exit: $(failure "$name")"
  elif ! region_is "$IMG" "$addr" "$size" "$WORK/ff.bin"; then
    why="the region is not blank"
  elif ! cmp -s -n "$addr" "$WORK/before.flash" "$IMG" || ! cmp -s -i "$((addr + size)):$((addr + size))" "$WORK/before.flash" "$IMG"; then
    why="bytes changed outside the region"
  fi
  verdict "$name: erase-region $(printf 0x%x $addr) $size (ERASE_REGION through checkCommand)" "$why"
}

check_erase_all() {
  local name=$1 why=""
  head -c $FLASH /dev/zero | tr '\0' '\377' >"$WORK/ff.bin"
  if ! session "$name" erase-all; then
    why="exit: $(failure "$name")"
  elif ! cmp -s "$IMG" "$WORK/ff.bin"; then
    why="the flash is not blank: $(cmp "$IMG" "$WORK/ff.bin" 2>&1 | head -1)"
  fi
  verdict "$name: erase-flash" "$why"
}

for CHIP in $CHIPS; do
  echo "== $CHIP: fresh virtual chip, flash filled with random bytes"
  start_sim "$CHIP"
  check_identify S1 yes
  check_flash_id S2
  check_write S3 0x41000 100000
  check_read S4 0x10000 65536
  check_erase_region S5 0x80000 8192
  check_identify R1 no --no-stub
  check_flash_id R2 --no-stub
  check_write R3 0x20000 12345 --no-stub --block-size 0x400 attach
  if session P1 --no-stub "write:0x30000:$WORK/R3.bin"; then
    probe "P1: --no-stub write-flash as esptool-js does it (no SPI_ATTACH, 0x4000-byte blocks)" "succeeded"
  else
    probe "P1: --no-stub write-flash as esptool-js does it (no SPI_ATTACH, 0x4000-byte blocks)" "$(failure P1)"
  fi
  check_erase_all S6
  stop_sim
  if "$ESPCTL" virtual --help | grep -q -- --usb-jtag && [[ $CHIP =~ ^esp32(s3|c3|c5|c6|h2|p4)$ ]]; then
    echo "== $CHIP: through its USB-Serial/JTAG port (--usb-jtag), esptool-js asking for 921600 baud"
    start_sim "$CHIP" --usb-jtag
    check_identify U1 yes --baud 921600
    check_write U2 0x100000 300000 --baud 921600
    check_read U3 0x100000 300000 --baud 921600
    stop_sim
  fi
done
echo "($PROBES probes not counted)"
echo "$PASS/$TOTAL esptool-js checks pass on $(echo $CHIPS)"
[[ $PASS == "$TOTAL" ]]
