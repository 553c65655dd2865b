// One esptool-js session against an `espctl virtual --listen` chip, run the way a web
// flasher runs it (ESPLoader.main, or its steps without the stub), then the steps named
// on the command line, in order. Each step prints one line "STEP key=value ...";
// check-new-chips.sh compares them with the virtual chip's facts and its flash file.
//
//   node session.mjs --referee DIR --port socket://127.0.0.1:PORT [--no-stub] [--baud N] [--block-size N] STEP...
//   steps: identify | flash-id | attach | write:ADDR:FILE | read:ADDR:SIZE:OUT
//          | erase-region:ADDR:SIZE | erase-all
//
// DIR is the esptool-js referee folder (../shared/referees/esptool-js): its node_modules
// holds esptool-js 0.7.0 and its tcp-serial-port.mjs stands in for Web Serial over TCP.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

function fail(message) {
  process.stderr.write(`session: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let refereeDir = null;
let portUrl = null;
let stub = true;
let baud = 115200;
let blockSize = null;
const steps = [];
while (args.length) {
  const a = args.shift();
  if (a === "--referee") refereeDir = args.shift();
  else if (a === "--port") portUrl = args.shift();
  else if (a === "--no-stub") stub = false;
  else if (a === "--baud") baud = Number(args.shift());
  else if (a === "--block-size") blockSize = Number(args.shift());
  else if (a.startsWith("--")) fail(`unknown option ${a}`);
  else steps.push(a);
}
if (!refereeDir || !portUrl || steps.length === 0) {
  fail("usage: session.mjs --referee DIR --port socket://HOST:PORT [--no-stub] STEP...");
}
const endpoint = /^socket:\/\/([^:]+):(\d+)$/.exec(portUrl);
if (!endpoint) fail(`--port must be socket://HOST:PORT, not ${portUrl}`);

const moduleUrl = (rel) => pathToFileURL(path.resolve(refereeDir, rel)).href;
const { ESPLoader, Transport } = await import(moduleUrl("node_modules/esptool-js/lib/index.js"));
const { TcpSerialPort } = await import(moduleUrl("tcp-serial-port.mjs"));

const log = [];
const terminal = {
  clean() {},
  writeLine: (line) => log.push(String(line)),
  write: (text) => log.push(String(text)),
};
const port = new TcpSerialPort(endpoint[1], Number(endpoint[2]));
const transport = new Transport(port, false);
// Transport.trace() prints to stdout even with tracing off; stdout carries our results.
transport.trace = () => {};
const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal });

// esptool-js writes 0x4000-byte blocks to the ROM too; esptool.py sends the ROM 0x400.
if (blockSize !== null) loader.FLASH_WRITE_SIZE = blockSize;

const print = (step, fields) =>
  process.stdout.write(`${step} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
const hex = (n, width) => "0x" + (n >>> 0).toString(16).padStart(width, "0");
const md5 = (bytes) => createHash("md5").update(bytes).digest("hex");
const number = (text) => Number(text);

async function connect() {
  if (stub) return loader.main("no_reset");
  await loader.detectChip("no_reset");
  if (loader.romBaudrate !== loader.baudrate) await loader.changeBaud();
  return loader.chip.getChipDescription(loader);
}

async function runStep(step) {
  const [name, ...rest] = step.split(":");
  switch (name) {
    case "identify": {
      print(name, {
        chip: JSON.stringify(loader.chip.CHIP_NAME),
        mac: await loader.chip.readMac(loader),
        baud: transport.baudrate,
        crystal: await loader.chip.getCrystalFreq(loader),
        stub: loader.IS_STUB ? "yes" : "no",
      });
      return;
    }
    case "flash-id": {
      const id = (await loader.readFlashId()) >>> 0;
      print(name, { id: hex(id & 0xffffff, 6) });
      return;
    }
    case "attach": {
      // SPI_ATTACH in the ROM's 8-byte form (pin config 0, is_legacy 0), as esptool.py
      // sends it before flash commands; esptool-js's flashSpiAttach() sends 4 bytes.
      await loader.checkCommand("attach the flash", loader.ESP_SPI_ATTACH, new Uint8Array(8));
      print(name, { pins: "default" });
      return;
    }
    case "write": {
      const [addr, file] = rest;
      const data = new Uint8Array(readFileSync(file));
      await loader.writeFlash({
        fileArray: [{ data, address: number(addr) }],
        flashMode: "keep",
        flashFreq: "keep",
        flashSize: "keep",
        eraseAll: false,
        compress: loader.IS_STUB,
        // Only the stub's SPI_FLASH_MD5 answer is raw bytes, the form esptool-js reads.
        calculateMD5Hash: loader.IS_STUB ? md5 : undefined,
      });
      print(name, { addr, bytes: data.length, verified: loader.IS_STUB ? "md5" : "no" });
      return;
    }
    case "read": {
      const [addr, size, out] = rest;
      const data = await loader.readFlash(number(addr), number(size));
      writeFileSync(out, data.slice(0, number(size)));
      print(name, { addr, bytes: data.length });
      return;
    }
    case "erase-region": {
      const [addr, size] = rest;
      const pkt = new Uint8Array(8);
      new DataView(pkt.buffer).setUint32(0, number(addr), true);
      new DataView(pkt.buffer).setUint32(4, number(size), true);
      // esptool-js has no erase-region call; ERASE_REGION (0xd1) is the stub's command.
      await loader.checkCommand("erase region", 0xd1, pkt, 0, 0, 30000);
      print(name, { addr, size });
      return;
    }
    case "erase-all": {
      await loader.eraseFlash();
      print(name, {});
      return;
    }
    default:
      fail(`unknown step ${step}`);
  }
}

let code = 0;
try {
  await connect();
  for (const step of steps) await runStep(step);
} catch (e) {
  code = 1;
  process.stderr.write(`session: error: ${String(e && e.message ? e.message : e).replace(/\s+/g, " ")}\n`);
}
try {
  if (port.socket) await transport.disconnect();
} catch {
  // the chip went away first: nothing left to close
}
process.exit(code);
