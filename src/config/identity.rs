//! Who the kiosk is and where it connects: the kiosk id and the API's base URL.

use std::net::IpAddr;

use url::Url;

use super::TEST_BASE_URL;

/// `https://…` anywhere; plain `http://` only to this machine (the simulator), never across a network.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| {
        format!("expected an absolute URL such as {TEST_BASE_URL}, got {text:?}: {e}")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not contain a user name or password; the key is read from a separate file".into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("must not have a query or fragment, got {text:?}"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&url) => Ok(url),
        "http" => Err(format!(
            "plain http:// is only allowed to this machine (127.0.0.1, ::1 or localhost); use https:// for {}",
            url.host_str().unwrap_or_default()
        )),
        other => Err(format!("expected an https:// URL, got scheme {other:?}")),
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

pub(super) fn validate_kiosk_id(id: &str) -> Result<String, String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "expected 1 to 64 letters, digits, '-', '_' or '.', got {id:?}"
        ))
    }
}

/// `[kiosk] order_prefix`: one to three letters or digits, called out before the number ("A-12").
pub(super) fn validate_order_prefix(prefix: &str) -> Result<String, String> {
    let ok = (1..=3).contains(&prefix.chars().count())
        && prefix.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(prefix.to_owned())
    } else {
        Err(format!("expected 1 to 3 letters or digits, got {prefix:?}"))
    }
}

/// The host name plus a short stable suffix derived from `/etc/machine-id`, so two kiosks that kept the same
/// host name (every Raspberry Pi starts as `raspberrypi`) never share a `client_reference_id`.
pub fn default_kiosk_id() -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let machine_id = std::fs::read_to_string("/etc/machine-id").ok();
    kiosk_id_from(&host, machine_id.as_deref())
}

/// `raspberrypi` + machine id → `raspberrypi-k7q2`. The suffix is a hash of the machine id (never the id itself,
/// which systemd asks applications not to expose); without a machine id the host name stands alone.
pub fn kiosk_id_from(host: &str, machine_id: Option<&str>) -> String {
    let suffix = machine_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(machine_suffix);
    let room = 64 - suffix.as_ref().map_or(0, |s| s.len() + 1);
    let cleaned: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(room)
        .collect();
    let host = if cleaned.is_empty() {
        "kiosk"
    } else {
        &cleaned
    };
    match suffix {
        Some(suffix) => format!("{host}-{suffix}"),
        None => host.to_owned(),
    }
}

/// Four characters of `[0-9a-z]` from SHA-256 over an application-specific prefix and the machine id.
fn machine_suffix(machine_id: &str) -> String {
    use sha2::Digest;
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let digest = sha2::Sha256::digest(format!("wooshpay-kiosk kiosk id\n{machine_id}"));
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (0..4)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}
