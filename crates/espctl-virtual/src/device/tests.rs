use super::*;

#[test]
fn a_device_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Device>();
}

#[test]
fn power_up_prints_nothing_and_waits_in_the_chosen_mode() {
    let mut config = DeviceConfig::default();
    let mut device = Device::new(config.clone()).unwrap();
    assert_eq!(device.state(), DeviceState::RomLoader);
    assert_eq!(device.pending_output(), 0);
    config.start = StartMode::Flash;
    device = Device::new(config).unwrap();
    assert_eq!(device.state(), DeviceState::RunningFlash);
    assert_eq!(device.read(&mut [0u8; 64]), 0);
}
