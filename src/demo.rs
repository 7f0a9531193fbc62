//! Demo mode: the in-process WooshPay simulator and the bundled café catalog. No config, no key, no money.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use crate::catalog::Catalog;
use crate::money::Currency;
use crate::secret::SecretKey;
use crate::simulator::{Simulator, SimulatorConfig};

pub const SAMPLE_CATALOG: &str = include_str!("../sample/catalog.toml");
pub const DEMO_CURRENCY: &str = "GBP";
/// The staff PIN of demo mode, so the admin screen can be tried; printed in the log and the README, never a
/// real kiosk's PIN (a configured kiosk has no default).
pub const DEMO_STAFF_PIN: &str = "1234";

/// The `[staff]` settings demo mode runs with.
pub fn demo_staff() -> Result<crate::config::StaffSettings, crate::staff::PinError> {
    let hash = crate::staff::hash_pin(DEMO_STAFF_PIN)?;
    Ok(crate::config::StaffSettings {
        pin_hash: crate::staff::PinHash::parse(&hash)?,
        admin_lock_after: std::time::Duration::from_secs(60),
    })
}
/// Overrides the address phones are sent to (the QR's host), e.g. when the kiosk has several networks.
pub const DEMO_HOST_ENV: &str = "WOOSHPAY_KIOSK_DEMO_HOST";

pub struct Demo {
    pub simulator: Simulator,
    pub secret_key: SecretKey,
    pub catalog: Catalog,
}

impl Demo {
    /// Starts the simulator on every interface so a phone on the same network can open the pay page.
    pub async fn start() -> std::io::Result<Self> {
        let raw_key = format!("sk_test_demo{}", uuid::Uuid::new_v4().simple());
        let secret_key = SecretKey::parse(&raw_key).expect("generated key is a test key");
        let listener_addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
        let host = std::env::var(DEMO_HOST_ENV)
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| lan_address().to_string());
        // The port is only known after binding: start, then tell the simulator its public address.
        let simulator = Simulator::start(
            listener_addr,
            SimulatorConfig {
                secret_key: raw_key,
                public_base_url: None,
            },
        )
        .await?;
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        simulator.set_public_base_url(format!("http://{host}:{}", simulator.addr().port()));
        let currency = Currency::from_code(DEMO_CURRENCY).expect("GBP is a currency");
        let catalog = Catalog::parse(
            SAMPLE_CATALOG,
            Path::new("(bundled sample catalog)"),
            Path::new("."),
            currency,
        )
        .expect("the bundled catalog is valid");
        Ok(Self {
            simulator,
            secret_key,
            catalog,
        })
    }
}

/// The machine's address on its local network, for QR codes a phone can open; loopback when there is none.
pub fn lan_address() -> IpAddr {
    let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
    let candidates = interfaces
        .iter()
        .filter(|i| !i.is_loopback())
        .map(|i| i.ip());
    let mut v4 = candidates.clone().filter(IpAddr::is_ipv4);
    v4.next()
        .or_else(|| {
            candidates
                .clone()
                .find(|ip| matches!(ip, IpAddr::V6(v6) if !v6.is_unicast_link_local()))
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_mode_opens_the_staff_screens_with_the_documented_pin() {
        let staff = demo_staff().unwrap();
        let mut guard = crate::staff::PinGuard::default();
        let now = std::time::Duration::ZERO;
        assert_eq!(
            guard.attempt(&staff.pin_hash, "0000", now),
            crate::staff::Attempt::Rejected {
                attempts_left: 2,
                locked_for: std::time::Duration::ZERO
            }
        );
        assert_eq!(
            guard.attempt(&staff.pin_hash, DEMO_STAFF_PIN, now),
            crate::staff::Attempt::Accepted
        );
    }

    #[test]
    fn the_bundled_catalog_is_valid() {
        let currency = Currency::from_code(DEMO_CURRENCY).unwrap();
        let catalog = Catalog::parse(
            SAMPLE_CATALOG,
            Path::new("sample"),
            Path::new("."),
            currency,
        )
        .unwrap();
        assert!(catalog.items.len() >= 8);
        assert!(catalog.items.iter().all(|i| i.category.is_some()));
    }
}
