//! `[metrics]`: where the kiosk publishes its metrics.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    listen: Option<String>,
    textfile: Option<PathBuf>,
    textfile_interval_s: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricsConfig {
    /// Plain HTTP `/metrics`; a bare port listens on loopback only.
    pub listen: Option<SocketAddr>,
    /// A `.prom` file for node_exporter's textfile collector, replaced whole every `textfile_interval`.
    pub textfile: Option<PathBuf>,
    pub textfile_interval: Duration,
}

const DEFAULT_TEXTFILE_INTERVAL_S: u64 = 15;

/// `file` names the configuration file in every error.
pub fn validate(raw: &RawMetrics, file: &str) -> Result<MetricsConfig, String> {
    let listen = raw
        .listen
        .as_deref()
        .map(|text| listen_address(text).map_err(|e| format!("{file}: [metrics] listen: {e}")))
        .transpose()?;
    let textfile = match &raw.textfile {
        None => None,
        Some(path) if !path.is_absolute() => {
            return Err(format!(
                "{file}: [metrics] textfile: expected an absolute path such as \
                 \"/var/lib/prometheus/node-exporter/wooshpay_kiosk.prom\", got {:?}",
                path.display().to_string()
            ));
        }
        // node_exporter's textfile collector reads only `*.prom` files: any other name would be ignored silently.
        Some(path) if path.extension().is_none_or(|ext| ext != "prom") => {
            return Err(format!(
                "{file}: [metrics] textfile: node_exporter reads only files ending in .prom, got {:?}",
                path.display().to_string()
            ));
        }
        Some(path) => Some(path.clone()),
    };
    if listen.is_none() && textfile.is_none() {
        return Err(format!(
            "{file}: [metrics] needs listen = \"127.0.0.1:9464\" or textfile = \"/var/lib/prometheus/node-exporter/wooshpay_kiosk.prom\" (or both)"
        ));
    }
    let interval = raw
        .textfile_interval_s
        .unwrap_or(DEFAULT_TEXTFILE_INTERVAL_S);
    if !(1..=3600).contains(&interval) {
        return Err(format!(
            "{file}: [metrics] textfile_interval_s must be between 1 and 3600 seconds, got {interval}"
        ));
    }
    Ok(MetricsConfig {
        listen,
        textfile,
        textfile_interval: Duration::from_secs(interval),
    })
}

/// `"127.0.0.1:9464"`, `"[::1]:9464"`, `"0.0.0.0:9464"`, or a bare port, which listens on loopback only: the
/// metrics say how much a shop sells, so any other address must be written out on purpose.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!(
            "expected an address and port such as \"127.0.0.1:9464\" or a port such as \"9464\", got {text:?}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(listen: Option<&str>, textfile: Option<&str>) -> RawMetrics {
        RawMetrics {
            listen: listen.map(str::to_owned),
            textfile: textfile.map(PathBuf::from),
            textfile_interval_s: None,
        }
    }

    #[test]
    fn a_bare_port_listens_on_loopback_only() {
        let config = validate(&raw(Some("9464"), None), "k.toml").unwrap();
        assert_eq!(config.listen, Some("127.0.0.1:9464".parse().unwrap()));
        let config = validate(&raw(Some("0.0.0.0:9464"), None), "k.toml").unwrap();
        assert_eq!(config.listen, Some("0.0.0.0:9464".parse().unwrap()));
    }

    #[test]
    fn bad_settings_name_the_file_and_the_key() {
        let error = validate(&raw(Some("localhost:x"), None), "k.toml").unwrap_err();
        assert!(error.starts_with("k.toml: [metrics] listen:"), "{error}");
        let error = validate(&raw(None, Some("metrics.prom")), "k.toml").unwrap_err();
        assert!(
            error.contains("[metrics] textfile: expected an absolute path"),
            "{error}"
        );
        let error = validate(&raw(None, Some("/var/lib/x/kiosk.txt")), "k.toml").unwrap_err();
        assert!(error.contains("only files ending in .prom"), "{error}");
        let error = validate(&raw(None, None), "k.toml").unwrap_err();
        assert!(error.contains("[metrics] needs listen"), "{error}");
        let mut zero = raw(None, Some("/var/lib/x/k.prom"));
        zero.textfile_interval_s = Some(0);
        assert!(
            validate(&zero, "k.toml")
                .unwrap_err()
                .contains("textfile_interval_s")
        );
    }
}
