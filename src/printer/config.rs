use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// Where the job bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    /// A character device (`/dev/usb/lp0`, a serial tty) or, in tests, an
    /// existing regular file that jobs are appended to.
    Device(PathBuf),
    /// A raw TCP printer port, "host:port" (usually 9100).
    Network(String),
}

impl fmt::Display for PrinterTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterTarget::Device(path) => write!(f, "{}", path.display()),
            PrinterTarget::Network(address) => f.write_str(address),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    pub target: PrinterTarget,
    /// Paper width, 58 or 80.
    pub width_mm: u32,
    /// Print a customer receipt for each sale.
    pub receipt: bool,
    /// Print a kitchen ticket for each sale.
    pub ticket: bool,
    /// Print without being asked (otherwise only on request from the screen).
    pub auto: bool,
    pub footer: Option<String>,
    /// A paid sale's kitchen ticket not printed within this long of the payment (the printer was away, the
    /// kiosk was off) is held for staff to send from the staff screen: the kitchen never gets a stale order
    /// unasked. `ticket_max_age_s`, default 15 minutes.
    pub ticket_max_age: std::time::Duration,
}

/// `ticket_max_age_s` when it is not set.
pub const DEFAULT_TICKET_MAX_AGE_S: u64 = 900;

impl PrinterConfig {
    /// Font A characters per line.
    pub fn columns(&self) -> usize {
        super::layout::columns_for(self.width_mm)
    }
}

/// The `[printer]` table exactly as written in the TOML file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrinter {
    pub device: Option<String>,
    pub address: Option<String>,
    pub width_mm: Option<u32>,
    pub receipt: Option<bool>,
    pub ticket: Option<bool>,
    pub auto: Option<bool>,
    pub footer: Option<String>,
    pub ticket_max_age_s: Option<u64>,
}

/// Checks a `[printer]` table; errors name `file` and the field so the
/// person editing the file knows what to change.
pub fn validate(raw: &RawPrinter, file: &str) -> Result<PrinterConfig, String> {
    let target = match (&raw.device, &raw.address) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{file}: [printer] needs either device = \"/dev/usb/lp0\" or address = \"host:9100\", not both"
            ));
        }
        (None, None) => {
            return Err(format!(
                "{file}: [printer] needs either device = \"/dev/usb/lp0\" or address = \"host:9100\""
            ));
        }
        (Some(device), None) => PrinterTarget::Device(check_device(device, file)?),
        (None, Some(address)) => PrinterTarget::Network(check_address(address, file)?),
    };
    let width_mm = raw.width_mm.unwrap_or(80);
    if width_mm != 58 && width_mm != 80 {
        return Err(format!(
            "{file}: [printer] width_mm must be 58 or 80 (the paper width), got {width_mm}"
        ));
    }
    let receipt = raw.receipt.unwrap_or(true);
    let ticket = raw.ticket.unwrap_or(false);
    if !receipt && !ticket {
        return Err(format!(
            "{file}: [printer] would print nothing: set receipt = true or ticket = true, or remove the [printer] table"
        ));
    }
    let footer = raw
        .footer
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    let ticket_max_age_s = raw.ticket_max_age_s.unwrap_or(DEFAULT_TICKET_MAX_AGE_S);
    if !(60..=86_400).contains(&ticket_max_age_s) {
        return Err(format!(
            "{file}: [printer] ticket_max_age_s must be 60 … 86400 (seconds), got {ticket_max_age_s}"
        ));
    }
    Ok(PrinterConfig {
        target,
        width_mm,
        receipt,
        ticket,
        auto: raw.auto.unwrap_or(true),
        footer,
        ticket_max_age: std::time::Duration::from_secs(ticket_max_age_s),
    })
}

fn check_device(device: &str, file: &str) -> Result<PathBuf, String> {
    // A relative path would depend on the service's working directory.
    if !device.starts_with('/') {
        return Err(format!(
            "{file}: [printer] device must be an absolute path such as \"/dev/usb/lp0\", got {device:?}"
        ));
    }
    Ok(PathBuf::from(device))
}

fn check_address(address: &str, file: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "{file}: [printer] address must be host:port such as \"192.168.1.50:9100\", got {address:?}"
        )
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner.ends_with(']') && inner.len() > 1
    } else {
        // An unbracketed IPv6 address leaves the port ambiguous.
        !host.is_empty() && !host.contains(':')
    };
    let port_ok = matches!(port.parse::<u16>(), Ok(p) if p != 0);
    if !host_ok || !port_ok || address.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    Ok(address.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/etc/kiosk/kiosk.toml";

    fn parse(toml_text: &str) -> Result<PrinterConfig, String> {
        #[derive(Deserialize)]
        struct File {
            printer: RawPrinter,
        }
        let file: File = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        validate(&file.printer, FILE)
    }

    #[test]
    fn defaults() {
        let config = parse("[printer]\ndevice = \"/dev/usb/lp0\"\n").unwrap();
        assert_eq!(
            config,
            PrinterConfig {
                target: PrinterTarget::Device("/dev/usb/lp0".into()),
                width_mm: 80,
                receipt: true,
                ticket: false,
                auto: true,
                footer: None,
                ticket_max_age: std::time::Duration::from_secs(DEFAULT_TICKET_MAX_AGE_S),
            }
        );
        assert_eq!(config.columns(), 48);
    }

    #[test]
    fn all_fields() {
        let config = parse(
            "[printer]\naddress = \"printer.local:9100\"\nwidth_mm = 58\nreceipt = false\n\
             ticket = true\nauto = false\nfooter = \"  Danke!  \"\n",
        )
        .unwrap();
        assert_eq!(
            config.target,
            PrinterTarget::Network("printer.local:9100".into())
        );
        assert_eq!(config.columns(), 32);
        assert!(!config.receipt && config.ticket && !config.auto);
        assert_eq!(config.footer.as_deref(), Some("Danke!"));
    }

    #[test]
    fn errors_name_file_and_field() {
        let both = parse("[printer]\ndevice = \"/dev/usb/lp0\"\naddress = \"a:9100\"\n");
        assert_eq!(
            both.unwrap_err(),
            "/etc/kiosk/kiosk.toml: [printer] needs either device = \"/dev/usb/lp0\" or \
             address = \"host:9100\", not both"
        );
        let neither = parse("[printer]\nwidth_mm = 80\n").unwrap_err();
        assert!(neither.starts_with(FILE) && neither.contains("needs either"));
        let width = parse("[printer]\ndevice = \"/dev/lp0\"\nwidth_mm = 76\n").unwrap_err();
        assert_eq!(
            width,
            "/etc/kiosk/kiosk.toml: [printer] width_mm must be 58 or 80 (the paper width), got 76"
        );
        let nothing = parse("[printer]\ndevice = \"/dev/lp0\"\nreceipt = false\nticket = false\n")
            .unwrap_err();
        assert!(nothing.contains("set receipt = true or ticket = true"));
        let relative = parse("[printer]\ndevice = \"lp0\"\n").unwrap_err();
        assert!(relative.contains("device must be an absolute path"));
    }

    #[test]
    fn addresses() {
        for good in ["10.0.0.5:9100", "printer:9100", "[::1]:9100", "[fe80::1]:1"] {
            assert!(check_address(good, FILE).is_ok(), "{good}");
        }
        for bad in [
            "10.0.0.5",
            ":9100",
            "host:",
            "host:0",
            "host:99999",
            "::1:9100",
            "a b:1",
            "[]:1",
        ] {
            let e = check_address(bad, FILE).unwrap_err();
            assert!(e.contains("address must be host:port"), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = parse("[printer]\ndevice = \"/dev/lp0\"\nwidht_mm = 58\n").unwrap_err();
        assert!(e.contains("widht_mm"), "{e}");
    }
}
