//! A virtual ESP8266 running the Arduino core with ArduinoOTA, on 127.0.0.1: network
//! update clients (espota.py, `espctl ota`) can be tested against it without hardware.
//!
//! - [`state`]: the device's flash (a NOR model, mirrored in a file when asked), layout,
//!   running image, and the reboot that applies an update.
//! - [`updater`]: the core's `Updater` (space rules, header and MD5 checks, staging).
//! - `arduino_ota`: the UDP responder and the TCP transfer of `ArduinoOTA.cpp`.
//! - `latency`: the round-trip time and receive window of a real network (`rtt`).
//! - `http_upgrade`, `terminal`, `announce`: ESPurna's web upgrade (`POST /upgrade`), its
//!   telnet terminal with `ota <url>`, and the mDNS announcement of `_arduino._tcp`, each
//!   when its option asks for it (`espurna` starts them).
//!
//! [`OtaDevice::start`] binds every service and runs them on threads of their own; what
//! the device does comes back as [`DeviceEvent`]s. The library never prints.

#![warn(missing_docs)]

mod announce;
mod arduino_ota;
mod error;
mod espurna;
mod events;
mod firmware;
mod http_upgrade;
mod latency;
mod options;
pub mod state;
mod terminal;
pub mod updater;

pub use error::OtaDeviceError;
pub use events::{DeviceEvent, Events};
pub use firmware::builtin_firmware;
pub use http_upgrade::HttpAuth;
pub use latency::RECEIVE_WINDOW;
pub use options::OtaDeviceOptions;
pub use state::{BusyClaim, DeviceState, EbootCopy, SharedDevice};
pub use updater::Update;

use arduino_ota::{ArduinoOta, ArduinoOtaConfig};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A running virtual OTA device; its services stop when it is stopped or dropped.
pub struct OtaDevice {
    ota: SocketAddr,
    device: SharedDevice,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    espurna: espurna::EspurnaServices,
}

impl OtaDevice {
    /// Starts the device of `options`, its events unobserved.
    pub fn start(options: OtaDeviceOptions) -> Result<OtaDevice, OtaDeviceError> {
        OtaDevice::start_with_events(options, |_| {})
    }

    /// Starts the device of `options`: binds its ports, powers it up with its firmware
    /// and serves on threads of its own. Each event goes to `on_event` as it happens.
    pub fn start_with_events(
        options: OtaDeviceOptions,
        on_event: impl FnMut(DeviceEvent) + Send + 'static,
    ) -> Result<OtaDevice, OtaDeviceError> {
        let events = Events::new(on_event);
        let state = DeviceState::new(&options, events)?;
        let socket = UdpSocket::bind(options.listen).map_err(|source| OtaDeviceError::Bind {
            service: "ArduinoOTA",
            addr: options.listen,
            source,
        })?;
        let ota = socket.local_addr().map_err(|source| OtaDeviceError::Bind {
            service: "ArduinoOTA",
            addr: options.listen,
            source,
        })?;
        let device: SharedDevice = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let responder = ArduinoOta::new(
            socket,
            device.clone(),
            ArduinoOtaConfig {
                password: options.password.clone(),
                scheme: options.auth_scheme,
                rtt: options.rtt,
            },
            stop.clone(),
        );
        let threads = vec![std::thread::spawn(move || responder.run())];
        let espurna = espurna::EspurnaServices::start(&options, &device, ota)?;
        Ok(OtaDevice {
            ota,
            device,
            stop,
            threads,
            espurna,
        })
    }

    /// The ArduinoOTA UDP address the device listens on.
    pub fn ota_addr(&self) -> SocketAddr {
        self.ota
    }

    /// ESPurna's web upgrade address (`--http`), when it runs.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.espurna.http_addr()
    }

    /// ESPurna's telnet terminal address (`--telnet`), when it runs.
    pub fn telnet_addr(&self) -> Option<SocketAddr> {
        self.espurna.telnet_addr()
    }

    /// The device's state, for services and tests that look inside.
    pub fn device(&self) -> SharedDevice {
        self.device.clone()
    }

    /// The whole flash as it is now.
    pub fn flash(&self) -> Vec<u8> {
        self.lock().flash().to_vec()
    }

    /// The image the device runs now.
    pub fn running_image(&self) -> Vec<u8> {
        self.lock().running_image().to_vec()
    }

    /// Stops every service and waits for them (an update under way is abandoned).
    pub fn stop(&mut self) {
        self.espurna.stop();
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DeviceState> {
        self.device.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for OtaDevice {
    fn drop(&mut self) {
        self.stop();
    }
}
