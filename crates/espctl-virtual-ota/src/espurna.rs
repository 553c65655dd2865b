//! ESPurna's services beside ArduinoOTA, each when asked for: the web upgrade
//! ([`crate::http_upgrade`]), the telnet terminal ([`crate::terminal`]) and the mDNS
//! announcement ([`crate::announce`]). They share the device and ESPurna's one admin
//! password (the ArduinoOTA password).

use crate::announce::{Announced, Announcement};
use crate::error::OtaDeviceError;
use crate::events::DeviceEvent;
use crate::http_upgrade::{WebServer, WebSettings};
use crate::options::OtaDeviceOptions;
use crate::state::SharedDevice;
use crate::terminal::TerminalServer;
use std::net::SocketAddr;

/// The running ESPurna services.
#[derive(Debug, Default)]
pub(crate) struct EspurnaServices {
    web: Option<WebServer>,
    terminal: Option<TerminalServer>,
    announcement: Option<Announcement>,
}

impl EspurnaServices {
    /// Starts what `options` asks for; `ota` is the ArduinoOTA address (announced).
    pub(crate) fn start(
        options: &OtaDeviceOptions,
        device: &SharedDevice,
        ota: SocketAddr,
    ) -> Result<EspurnaServices, OtaDeviceError> {
        let password = options.password.clone().filter(|p| !p.is_empty());
        let web = options
            .http
            .map(|listen| {
                let settings = WebSettings {
                    realm: options.hostname.clone(),
                    password: password.clone(),
                    auth: options.http_auth,
                };
                WebServer::start(listen, device.clone(), settings)
            })
            .transpose()?;
        let terminal = options
            .terminal
            .map(|listen| TerminalServer::start(listen, device.clone(), password.clone()))
            .transpose()?;
        let announcement = if options.mdns {
            let what = Announced {
                hostname: options.hostname.clone(),
                ip: ota.ip(),
                port: ota.port(),
                board: options.board.clone(),
                auth: password.is_some(),
            };
            let dev = device.lock().unwrap_or_else(|e| e.into_inner());
            match Announcement::start(&what, &dev) {
                Ok(announcement) => {
                    dev.emit(DeviceEvent::Announced {
                        fullname: announcement.fullname().to_string(),
                    });
                    Some(announcement)
                }
                Err(reason) => {
                    dev.emit(DeviceEvent::AnnounceFailed { reason });
                    None
                }
            }
        } else {
            None
        };
        Ok(EspurnaServices {
            web,
            terminal,
            announcement,
        })
    }

    /// The web server's address.
    pub(crate) fn http_addr(&self) -> Option<SocketAddr> {
        self.web.as_ref().map(WebServer::address)
    }

    /// The terminal's address.
    pub(crate) fn telnet_addr(&self) -> Option<SocketAddr> {
        self.terminal.as_ref().map(TerminalServer::address)
    }

    /// Stops them all.
    pub(crate) fn stop(&mut self) {
        self.web = None;
        self.terminal = None;
        self.announcement = None;
    }
}
