#!/usr/bin/env python3
"""espctl against esptool.py on the same work: the speed benchmark of issue 5.

Every run gets a fresh `espctl virtual --timing realistic` device on a pty (bytes move at
the baud rate, flash erase/program, MD5 and inflate take datasheet time) and either
esptool 5.6.0 or espctl does the scenario's job on it. Runs of the two tools alternate.
The device reports what the session needed at the least (wire time of its bytes plus
the time the chip made the host wait), so each espctl run is also compared with its
own lower bound.

    bench/run.py                      # all scenarios, both chips, 3 runs each
    bench/run.py --scenarios S8,S9 --chips esp8266   # backup and restore of 4 MB
    bench/run.py --runs 5 --chips esp8266 --scenarios S1,S3
    bench/run.py --memory             # peak RSS of espctl writing a 16 MB image
    bench/run.py --ota-only           # network OTA: espctl ota against espota.py
    bench/run.py --adapter-only       # the fast default on a 3 Mbaud USB bridge
    bench/run.py --usb-only           # ESP32-C3 over its USB-Serial/JTAG port

The OTA row (issue 12) uploads a 600 KB ESP8266 image to `espctl virtual --ota --rtt 10`
(a 10 ms round trip and the ESP8266's TCP receive window) with espota.py, the Arduino
core's own client, and with `espctl ota`, compressed (its default) and not.

The adapter row (issue 11) writes the 1 MB image through a CP2102N, a 3 Mbaud USB
bridge: the virtual device's pty appears as `/dev/ttyUSB0` of a USB device 10C4:EA60
("CP2102N USB to UART Bridge Controller") in a sysfs tree espctl reads instead of the
system's (`ESPCTL_DEVICE_ROOT`), as the kernel shows a plugged-in CP2102N. The write at
default options (the rate the bridge allows) is compared with its own lower bound and
with the same write at `-b 921600`.

The USB row (issue 14) writes the 1 MB image to an ESP32-C3 on its USB-Serial/JTAG port
(`espctl virtual --usb-jtag --timing realistic`): no baud rate on the wire, so the write
is bound by the chip (flash erase/program, inflate). espctl sees the pty as
`/dev/ttyACM0` of USB device 303A:1001 in a sysfs tree (as for the adapter row) and
picks the USB reset and no baud change itself; esptool, which cannot see USB IDs on a
pty, gets `--before usb-reset` (and changes the baud as it always does, to no effect).

Prints a table of median wall times and ratios, and checks them against the targets of
the issue. Not a test: figures depend on the machine; nothing here asserts.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
SECTOR = 4096

# Targets from the issue: (against esptool, against the lower bound).
TARGETS = {
    "S1": ("espctl <= 0.35 x esptool", 0.35, None),
    "S2": ("espctl <= esptool, <= 1.1 x bound", 1.0, 1.1),
    "S3": ("espctl <= 0.2 x esptool", 0.2, None),
    "S4": ("espctl <= 0.3 x esptool", 0.3, None),
    "S5": ("espctl <= 1.1 x bound", None, 1.1),
    "S6": ("espctl <= 0.5 x esptool", 0.5, None),
    "S7": ("espctl <= esptool", 1.0, None),
    "S8": ("espctl <= 1.1 x bound", None, 1.1),
    "S9": ("espctl <= 1.1 x bound", None, 1.1),
}

DESCRIPTIONS = {
    "S1": "write 1 MB image, default options",
    "S2": "write 1 MB image, -b 921600",
    "S3": "write the same image again",
    "S4": "write it with one 4 KB sector changed",
    "S5": "read-flash 4 MB at 921600",
    "S6": "flash-id, default options",
    "S7": "erase-flash",
    "S8": "backup 4 MB (esptool: read_flash -b 921600)",
    "S9": "restore onto an unchanged device",
}

# Where the application goes: the ESP8266 boots from 0x0, an ESP32 app lives at 0x10000.
APP_OFFSET = {"esp8266": 0x0, "esp32": 0x10000}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def setup(work):
    """Builds espctl, installs esptool and the stubs; returns (espctl, esptool, env)."""
    log("building espctl (release)...")
    sh(["cargo", "build", "--release", "--locked", "--quiet", "--bin", "espctl"], cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    espctl = target / "release" / "espctl"
    esptool = subprocess.run(
        [str(ROOT / "scripts/setup-esptool")], check=True, capture_output=True, text=True
    ).stdout.strip()
    env = dict(os.environ)
    env["ESPCTL_DATA_DIR"] = str(work / "espctl-data")
    env["NO_COLOR"] = "1"
    sdist = ROOT / ".cache/stubs/esptool-5.6.0.tar.gz"
    if not sdist.exists():
        pip = Path(esptool).parent / "pip"
        sdist.parent.mkdir(parents=True, exist_ok=True)
        sh([str(pip), "download", "--quiet", "--no-deps", "esptool==5.6.0", "-d", str(sdist.parent)])
    sh([str(espctl), "stub", "import", str(sdist)], env=env, stdout=subprocess.DEVNULL)
    return str(espctl), esptool, env


def fixtures():
    path = Path(os.environ.get("ESPCTL_FIXTURES", ROOT / "../shared/fixtures/esptool-test-data"))
    if not (path / "elf").is_dir():
        sys.exit(f"fixtures not found at {path}; set ESPCTL_FIXTURES")
    return path


def firmware_image(espctl, chip, work):
    """A 1 MB firmware-like image: elf2image output of a real ELF, then real code from
    the other fixture images until 1 MB (so it compresses like firmware does)."""
    fx = fixtures()
    elf = {
        "esp8266": fx / "elf/esp8266-nonosssdk20-iotdemo.elf",
        "esp32": fx / "elf/esp32-app-template.elf",
    }[chip]
    out = work / f"{chip}-app.bin"
    version = ["--version", "2"] if chip == "esp8266" else []
    args = [espctl, "--chip", chip, "elf2image", *version, "-o", str(out), str(elf)]
    sh(args, stdout=subprocess.DEVNULL)
    data = bytearray(out.read_bytes())
    fillers = sorted((fx / "images").glob("*.bin"))
    fillers = [f for f in fillers if f.stat().st_size > 2048 and "one_mb" not in f.name]
    i = 0
    while len(data) < MB:
        data += fillers[i % len(fillers)].read_bytes()
        i += 1
    image = work / f"{chip}-1mb.bin"
    image.write_bytes(bytes(data[:MB]))
    return image


def flash_file_with(path, size, offset, data):
    blob = bytearray(b"\xff" * size)
    blob[offset : offset + len(data)] = data
    path.write_bytes(bytes(blob))


class Device:
    """A fresh realistic virtual device on a pty; stats come back when it stops."""

    def __init__(self, espctl, chip, work, flash_file=None, timing="realistic", extra=()):
        self.stats_path = work / f"stats-{time.monotonic_ns()}.json"
        cmd = [espctl, "--chip", chip, "virtual", "--pty", "--timing", timing,
               "--flash-size", "4MB", "--stats-file", str(self.stats_path), *extra]
        if flash_file:
            cmd += ["--flash-file", str(flash_file)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = self.proc.stdout.readline().strip()
        if not self.port:
            sys.exit(f"virtual device did not start: {self.proc.stderr.read()}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        return json.loads(self.stats_path.read_text())


def timed(cmd, env):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc.stdout


def backup_of(espctl, chip, flash, work, env):
    """A backup (and its manifest) of the device whose flash is `flash`, made on an
    instant device so that only the restore is timed."""
    backup = work / f"backup-{chip}-{time.monotonic_ns()}.bin"
    device = Device(espctl, chip, work, flash, timing="instant")
    try:
        timed([espctl, "--port", device.port, "backup", str(backup)], env)
    finally:
        device.stop()
    return backup


def scenario_setup(name, chip, image, work, tool="espctl", espctl=None, env=None):
    """Flash file to start from, and the command arguments after the tool's name."""
    offset = APP_OFFSET[chip]
    data = image.read_bytes()
    flash = None
    if name in ("S3", "S4", "S5", "S7", "S8", "S9"):
        flash = work / f"flash-{name}-{chip}-{time.monotonic_ns()}.bin"
        flash_file_with(flash, 4 * MB, offset, data)
    write_args = ["write_flash", hex(offset), str(image)]
    if name == "S1":
        return flash, write_args
    if name == "S2":
        return flash, ["-b", "921600"] + write_args
    if name == "S3":
        return flash, write_args
    if name == "S4":
        changed = bytearray(data)
        at = 37 * SECTOR
        changed[at : at + SECTOR] = hashlib.sha256(bytes(changed[at : at + SECTOR])).digest() * 128
        new = work / f"{chip}-1mb-changed.bin"
        new.write_bytes(bytes(changed))
        return flash, ["write_flash", hex(offset), str(new)]
    if name == "S5":
        return flash, ["-b", "921600", "read_flash", "0", "0x400000", str(work / "readback.bin")]
    if name == "S6":
        return flash, ["flash_id"]
    if name == "S7":
        return flash, ["erase_flash"]
    if name == "S8":
        out = str(work / f"backup-{time.monotonic_ns()}.bin")
        if tool == "esptool":
            return flash, ["-b", "921600", "read_flash", "0", "0x400000", out]
        return flash, ["backup", out]
    if name == "S9":
        backup = backup_of(espctl, chip, flash, work, env)
        if tool == "esptool":
            return flash, ["-b", "921600", "write_flash", "0", str(backup)]
        return flash, ["restore", str(backup)]
    raise ValueError(name)


def run_once(tool, exe, espctl, chip, name, image, work, env):
    flash, args = scenario_setup(name, chip, image, work, tool, espctl, env)
    device = Device(espctl, chip, work, flash)
    try:
        elapsed, _ = timed([exe, "--port", device.port] + args, env)
    finally:
        stats = device.stop()
        if flash:
            flash.unlink(missing_ok=True)
    return elapsed, stats


OTA_IMAGE_SIZE = 600 * 1024
OTA_RTT_MS = 10


def espota_path():
    path = Path(os.environ.get("ESPCTL_REFEREES", ROOT / "../shared/referees")) / "espota.py"
    if not path.is_file():
        sys.exit(f"espota.py not found at {path}; set ESPCTL_REFEREES")
    return path


class OtaDevice:
    """A fresh `espctl virtual --ota` device: 4MB flash, a small image running."""

    def __init__(self, espctl, work):
        self.flash = work / f"ota-flash-{time.monotonic_ns()}.bin"
        cmd = [espctl, "virtual", "--ota", "127.0.0.1:0", "--rtt", str(OTA_RTT_MS),
               "--flash-size", "4MB", "--flash-file", str(self.flash)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ota":
            sys.exit("virtual OTA device did not start")
        self.host, self.port = line[1].rsplit(":", 1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        data = self.flash.read_bytes()
        self.flash.unlink(missing_ok=True)
        return data


def ota_image(espctl, work):
    """A 600 KB ESP8266 application as the Arduino core lays one out: a v1 image (magic
    0xE9, header saying 1MB of flash) of a real ELF with its IROM part at 0x10000, then
    real code from the fixture images (so it compresses like firmware does)."""
    fx = fixtures()
    prefix = work / "ota-v1-"
    sh([espctl, "--chip", "esp8266", "elf2image", "-o", str(prefix),
        str(fx / "elf/esp8266-nonosssdk20-iotdemo.elf")], stdout=subprocess.DEVNULL)
    data = bytearray(Path(f"{prefix}0x00000.bin").read_bytes())
    data += b"\xff" * (0x10000 - len(data))
    data += Path(f"{prefix}0x10000.bin").read_bytes()
    fillers = [f for f in sorted((fx / "images").glob("*.bin")) if f.stat().st_size > 2048]
    i = 0
    while len(data) < OTA_IMAGE_SIZE:
        data += fillers[i % len(fillers)].read_bytes()
        i += 1
    out = work / "ota-600k.bin"
    out.write_bytes(bytes(data[:OTA_IMAGE_SIZE]))
    return out


def ota_bench(args, espctl, env, work):
    image = ota_image(espctl, work)
    data = image.read_bytes()
    tools = {
        "espota.py": lambda d: [sys.executable, str(espota_path()), "-i", d.host, "-p", d.port,
                                "-f", str(image)],
        "espctl": lambda d: [espctl, "ota", "--host", d.host, "--port", d.port, str(image)],
        "espctl raw": lambda d: [espctl, "ota", "--no-compress", "--host", d.host, "--port",
                                 d.port, str(image)],
    }
    times = {name: [] for name in tools}
    for i in range(args.runs):
        for name, cmd in tools.items():
            device = OtaDevice(espctl, work)
            try:
                elapsed, _ = timed(cmd(device), env)
                # The device restarts after the upload: wait for eboot's copy to 0x0.
                time.sleep(2.5)
            finally:
                flash = device.stop()
            # The core's Updater sets header byte 2 (flash mode) to the mode the device runs in.
            if flash[:2] + flash[3 : len(data)] != data[:2] + data[3:]:
                sys.exit(f"{name}: the device does not run the uploaded image")
            times[name].append(elapsed)
            log(f"ota O1 run {i + 1} {name:10} {elapsed:7.2f} s")
    espota = median(times["espota.py"])
    print()
    print(f"OTA upload of {OTA_IMAGE_SIZE // 1024} KB to a virtual ESP8266 ({OTA_RTT_MS} ms round trip)")
    for name in tools:
        t = median(times[name])
        print(f"  {name:10} {t:7.2f} s  {t / espota:6.3f} x espota.py")
    ratio = median(times["espctl"]) / espota
    print(f"  target espctl <= 0.5 x espota.py: {'met' if ratio <= 0.5 else 'MISSED'} ({ratio:.3f})")


ADAPTER_TARGETS = (1.05, 1.3)  # default write <= 1.05 x its bound; >= 1.3 x faster than 921600


def fake_usb_root(work, pty, tty, usb_dir, port_dir, subsystem, ids):
    """A directory standing in for / where `pty` is /dev/`tty` of a USB device, as sysfs
    shows one: sys/class/tty/`tty`/device -> `port_dir` under the USB device `usb_dir`
    (whose subsystem link says what it is), the device's IDs and strings in `ids`."""
    root = work / f"root-{time.monotonic_ns()}"
    usb = root / "sys/devices/pci0000:00/usb1" / usb_dir
    port = usb / port_dir
    port.mkdir(parents=True)
    for name, value in ids:
        (usb / name).write_text(value + "\n")
    (root / subsystem).mkdir(parents=True)
    (port / "subsystem").symlink_to(root / subsystem)
    (root / "sys/class/tty" / tty).mkdir(parents=True)
    (root / "sys/class/tty" / tty / "device").symlink_to(port)
    (root / "dev").mkdir()
    (root / "dev" / tty).symlink_to(pty)
    return root


def cp2102n_root(work, pty):
    """`pty` as the ttyUSB0 of a CP2102N (the tty's device is the usb-serial port under
    the USB interface)."""
    return fake_usb_root(work, pty, "ttyUSB0", "1-1", "1-1:1.0/ttyUSB0", "sys/bus/usb-serial",
                         [("idVendor", "10c4"), ("idProduct", "ea60"), ("serial", "0001"),
                          ("manufacturer", "Silicon Labs"),
                          ("product", "CP2102N USB to UART Bridge Controller")])


def adapter_bench(args, espctl, env, work):
    """The 1 MB write through a CP2102N: default options against -b 921600."""
    rows = []
    for chip in args.chips:
        image = firmware_image(espctl, chip, work)
        offset = hex(APP_OFFSET[chip])
        modes = {"default": [], "-b 921600": ["-b", "921600"]}
        times = {m: [] for m in modes}
        bounds = {m: [] for m in modes}
        rates = {}
        for i in range(args.runs):
            for mode, extra in modes.items():
                device = Device(espctl, chip, work)
                root = cp2102n_root(work, device.port)
                run_env = dict(env, ESPCTL_DEVICE_ROOT=str(root))
                try:
                    cmd = [espctl, "--port", str(root / "dev/ttyUSB0"), *extra,
                           "write_flash", offset, str(image)]
                    elapsed, out = timed(cmd, run_env)
                finally:
                    stats = device.stop()
                    shutil.rmtree(root, ignore_errors=True)
                # The fastest rate the line ran at (a stub left running goes back to
                # 115200 at the end).
                changes = [int(l.split()[-1].rstrip(".")) for l in out.splitlines()
                           if l.startswith("Changing baud rate to")]
                rates[mode] = str(max(changes, default=115200))
                times[mode].append(elapsed)
                bounds[mode].append(stats["lower_bound_seconds"])
                log(f"{chip} adapter run {i + 1} {mode:10} {elapsed:7.2f} s  "
                    f"(bound {stats['lower_bound_seconds']:.2f} s at {rates[mode]} baud)")
        rows.append((chip, {m: median(times[m]) for m in modes},
                     {m: median(bounds[m]) for m in modes}, rates))
    print()
    print("1 MB write through a CP2102N (3 Mbaud USB bridge), medians")
    print(f"{'chip':8} {'mode':10} {'rate':>8} {'wall':>8} {'bound':>8} {'wall/bound':>11}")
    vs_bound, vs_slow = ADAPTER_TARGETS
    for chip, t, b, rates in rows:
        for mode in t:
            print(f"{chip:8} {mode:10} {rates[mode]:>8} {t[mode]:7.2f}s {b[mode]:7.2f}s "
                  f"{t[mode] / b[mode]:11.3f}")
        r_bound = t["default"] / b["default"]
        speedup = t["-b 921600"] / t["default"]
        ok = r_bound <= vs_bound and speedup >= vs_slow
        print(f"{chip:8} default/bound {r_bound:.3f}, 921600/default {speedup:.3f}  "
              f"{'met' if ok else 'MISSED'}: default <= {vs_bound} x bound and "
              f">= {vs_slow} x faster than 921600")


def usb_jtag_root(work, pty):
    """`pty` as the ttyACM0 of an ESP32-C3's USB-Serial/JTAG port (cdc-acm: the tty's
    device is the USB interface)."""
    return fake_usb_root(work, pty, "ttyACM0", "1-2", "1-2:1.0", "sys/bus/usb",
                         [("idVendor", "303a"), ("idProduct", "1001"),
                          ("serial", "34:85:18:A1:B2:C3"), ("manufacturer", "Espressif"),
                          ("product", "USB JTAG/serial debug unit")])


USB_TARGET = 1.2  # espctl's write <= 1.2 x the chip-bound lower bound


def usb_bench(args, espctl, esptool, env, work):
    """The 1 MB write to an ESP32-C3 over USB-Serial/JTAG: esptool and espctl."""
    data = bytearray(firmware_image(espctl, "esp32", work).read_bytes())
    data[12:14] = (5).to_bytes(2, "little")  # the image header's chip ID: ESP32-C3
    image = work / "esp32c3-1mb.bin"
    image.write_bytes(bytes(data))
    times = {"esptool": [], "espctl": []}
    bounds = {"esptool": [], "espctl": []}
    for i in range(args.runs):
        for tool in times:
            device = Device(espctl, "esp32c3", work, extra=["--usb-jtag"])
            root = usb_jtag_root(work, device.port)
            try:
                if tool == "esptool":
                    cmd = [esptool, "--chip", "esp32c3", "--port", device.port,
                           "--before", "usb-reset", "write_flash", "0x10000", str(image)]
                    elapsed, _ = timed(cmd, env)
                else:
                    cmd = [espctl, "--port", str(root / "dev/ttyACM0"),
                           "write_flash", "0x10000", str(image)]
                    elapsed, _ = timed(cmd, dict(env, ESPCTL_DEVICE_ROOT=str(root)))
            finally:
                stats = device.stop()
                shutil.rmtree(root, ignore_errors=True)
            times[tool].append(elapsed)
            bounds[tool].append(stats["lower_bound_seconds"])
            log(f"esp32c3 usb-jtag run {i + 1} {tool:8} {elapsed:7.2f} s  "
                f"(bound {stats['lower_bound_seconds']:.2f} s, wire {stats['receive_seconds']:.2f} s, "
                f"flash busy {stats['flash_busy_seconds']:.2f} s, busy {stats['busy_seconds']:.2f} s)")
    print()
    print("1 MB write to an ESP32-C3 over USB-Serial/JTAG (--usb-jtag --timing realistic), medians")
    print(f"{'tool':8} {'wall':>8} {'bound':>8} {'wall/bound':>11}")
    for tool in times:
        t, b = median(times[tool]), median(bounds[tool])
        print(f"{tool:8} {t:7.2f}s {b:7.2f}s {t / b:11.3f}")
    ratio = median(times["espctl"]) / median(bounds["espctl"])
    vs = median(times["espctl"]) / median(times["esptool"])
    print(f"esp32c3  espctl/bound {ratio:.3f}, espctl/esptool {vs:.3f}  "
          f"{'met' if ratio <= USB_TARGET else 'MISSED'}: espctl <= {USB_TARGET} x bound")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def bench(args, espctl, esptool, env, work):
    rows = []
    for chip in args.chips:
        image = firmware_image(espctl, chip, work)
        for name in args.scenarios:
            times = {"esptool": [], "espctl": []}
            bounds = {"esptool": [], "espctl": []}
            stats_of = {"esptool": [], "espctl": []}
            for i in range(args.runs):
                for tool, exe in (("esptool", esptool), ("espctl", espctl)):
                    elapsed, stats = run_once(tool, exe, espctl, chip, name, image, work, env)
                    times[tool].append(elapsed)
                    bounds[tool].append(stats["lower_bound_seconds"])
                    stats_of[tool].append(dict(stats, wall=elapsed))
                    log(f"{chip} {name} run {i + 1} {tool:7} {elapsed:7.2f} s  "
                        f"(bound {stats['lower_bound_seconds']:.2f} s, "
                        f"{stats['bytes_received']} B in, {stats['bytes_sent']} B out, "
                        f"flash busy {stats['flash_busy_seconds']:.2f} s)")
            rows.append((chip, name, median(times["esptool"]), median(times["espctl"]),
                         median(bounds["espctl"]), median(bounds["esptool"]), stats_of))
    return rows


def breakdown(rows):
    """Where the time goes, per tool (medians over the runs): wire time each way, time
    the chip kept the host waiting, and the rest (turnarounds, host CPU, start-up)."""
    print()
    print(f"{'chip':8} {'scen.':5} {'tool':8} {'wall':>8} {'link in':>8} {'link out':>8} "
          f"{'chip wait':>9} {'other':>8} {'flash busy':>10} {'bytes in':>9} {'bytes out':>9}")
    for chip, name, *_, stats_of in rows:
        for tool in ("esptool", "espctl"):
            runs = stats_of[tool]
            m = lambda key: median([r[key] for r in runs])
            other = median([r["wall"] - r["lower_bound_seconds"] for r in runs])
            print(f"{chip:8} {name:5} {tool:8} {m('wall'):7.2f}s {m('receive_seconds'):7.2f}s "
                  f"{m('send_seconds'):7.2f}s {m('chip_wait_seconds'):8.2f}s {other:7.2f}s "
                  f"{m('flash_busy_seconds'):9.2f}s {int(m('bytes_received')):9} {int(m('bytes_sent')):9}")


def report(rows):
    print()
    print(f"{'chip':8} {'scenario':44} {'esptool':>9} {'espctl':>9} {'bound':>8} "
          f"{'espctl/esptool':>15} {'espctl/bound':>13}  target")
    for chip, name, t_esptool, t_espctl, bound, _, _ in rows:
        goal, vs_tool, vs_bound = TARGETS[name]
        r_tool = t_espctl / t_esptool
        r_bound = t_espctl / bound if bound > 0 else float("nan")
        ok = (vs_tool is None or r_tool <= vs_tool) and (vs_bound is None or r_bound <= vs_bound)
        print(f"{chip:8} {name + ' ' + DESCRIPTIONS[name]:44} {t_esptool:8.2f}s {t_espctl:8.2f}s "
              f"{bound:7.2f}s {r_tool:15.3f} {r_bound:13.3f}  {'met' if ok else 'MISSED'}: {goal}")


def peak_memory(espctl, env, work):
    """Peak RSS of espctl writing a 16 MB image to an instant virtual device over a pty
    (the device runs in its own process, so only espctl's memory counts)."""
    image = work / "big16.bin"
    with open(image, "wb") as f:
        # Half compressible, half random: both paths of the compressor get used.
        for i in range(16):
            chunk = os.urandom(MB // 2) + bytes(range(256)) * (MB // 512)
            f.write(chunk)
    cmd = [espctl, "--chip", "esp32", "virtual", "--pty", "--flash-size", "16MB"]
    dev = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = dev.stdout.readline().strip()
    try:
        proc = subprocess.Popen([espctl, "--port", port, "write_flash", "0", str(image)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        out = proc.stdout.read() + proc.stderr.read()
    finally:
        dev.send_signal(signal.SIGTERM)
        dev.wait(timeout=10)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"16 MB write failed:\n{out}")
    peak_mb = usage.ru_maxrss / 1024
    print(f"\npeak memory of espctl writing a 16 MB image: {peak_mb:.1f} MB "
          f"({'met' if peak_mb < 64 else 'MISSED'}: under 64 MB)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="runs per tool and scenario (default 3)")
    p.add_argument("--chips", default="esp8266,esp32")
    p.add_argument("--scenarios", default="S1,S2,S3,S4,S5,S6,S7,S8,S9")
    p.add_argument("--memory", action="store_true", help="also measure peak memory (16 MB write)")
    p.add_argument("--memory-only", action="store_true")
    p.add_argument("--ota", action="store_true", help="also run the network OTA row")
    p.add_argument("--ota-only", action="store_true")
    p.add_argument("--adapter", action="store_true",
                   help="also run the 3 Mbaud adapter row (Linux: reads a sysfs tree)")
    p.add_argument("--adapter-only", action="store_true")
    p.add_argument("--usb", action="store_true", help="also run the ESP32-C3 USB-Serial/JTAG row")
    p.add_argument("--usb-only", action="store_true")
    args = p.parse_args()
    args.chips = args.chips.split(",")
    args.scenarios = args.scenarios.split(",")
    work = Path(tempfile.mkdtemp(prefix="espctl-bench-"))
    try:
        espctl, esptool, env = setup(work)
        if not (args.memory_only or args.ota_only or args.adapter_only or args.usb_only):
            rows = bench(args, espctl, esptool, env, work)
            report(rows)
            breakdown(rows)
        if args.adapter or args.adapter_only:
            adapter_bench(args, espctl, env, work)
        if args.usb or args.usb_only:
            usb_bench(args, espctl, esptool, env, work)
        if args.ota or args.ota_only:
            ota_bench(args, espctl, env, work)
        if args.memory or args.memory_only:
            peak_memory(espctl, env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
