//! A virtual chip that outlives host sessions.

use crate::VirtualPort;
use espctl_virtual::clock::ManualClock;
use espctl_virtual::{Device, DeviceConfig, DeviceError, DeviceState};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One chip on its own clock; every [`VirtualChip::port`] is a host session on it.
#[derive(Clone)]
pub struct VirtualChip {
    device: Arc<Mutex<Device>>,
    clock: ManualClock,
}

impl VirtualChip {
    /// Builds the device from `config` on a new manual clock (any clock in `config` is
    /// replaced).
    pub fn new(mut config: DeviceConfig) -> Result<VirtualChip, DeviceError> {
        let clock = ManualClock::new();
        config.clock = Some(Arc::new(clock.clone()));
        let device = Device::new(config)?;
        Ok(VirtualChip {
            device: Arc::new(Mutex::new(device)),
            clock,
        })
    }

    /// A new host session at `baud` through a good adapter.
    pub fn port(&self, baud: u32) -> VirtualPort {
        VirtualPort::new(self.clone(), baud)
    }

    /// The device, for inspection (flash contents, work done).
    pub fn device(&self) -> MutexGuard<'_, Device> {
        self.device
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets `duration` pass on the chip's clock.
    pub fn advance(&self, duration: Duration) {
        self.clock.advance(duration);
    }

    /// The chip's state once anything pending (a reset in progress) has had a second to
    /// complete.
    pub fn settled_state(&self) -> DeviceState {
        self.advance(Duration::from_secs(1));
        let mut device = self.device();
        device.read(&mut []);
        device.state()
    }
}
