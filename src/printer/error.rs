use std::io;
use std::path::PathBuf;

/// Everything that can go wrong between a finished layout and paper.
///
/// The `Display` text is what the staff screen shows, so it names the
/// device, address or file involved and keeps the OS error short.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("cannot open printer {}: {}", path.display(), brief(source))]
    Open { path: PathBuf, source: io::Error },

    #[error("cannot connect to printer {address}: {}", brief(source))]
    Connect { address: String, source: io::Error },

    #[error("sending to printer {target} failed: {}", brief(source))]
    Send { target: String, source: io::Error },

    #[error("printer {target} stopped taking data: timed out after {seconds:.1} s")]
    Stalled { target: String, seconds: f64 },

    #[error("print queue {}: {}", path.display(), brief(source))]
    Queue { path: PathBuf, source: io::Error },

    #[error("corrupt print job {} set aside as {}: {reason}", path.display(), moved_to.display())]
    CorruptJob {
        path: PathBuf,
        moved_to: PathBuf,
        reason: String,
    },

    #[error("invalid print job: {0}")]
    InvalidJob(String),

    #[error("cannot encode print job: {0}")]
    Encode(String),
}

impl From<escpos::errors::PrinterError> for PrinterError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        PrinterError::Encode(e.to_string())
    }
}

/// Staff read these messages on a kiosk screen: "connection refused" helps
/// them, "Connection refused (os error 111)" less so.
fn brief(e: &io::Error) -> String {
    use io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".into(),
        NotFound => "no such device or file".into(),
        PermissionDenied => "permission denied".into(),
        TimedOut | WouldBlock => "timed out".into(),
        ConnectionReset => "connection reset".into(),
        BrokenPipe => "connection closed by printer".into(),
        HostUnreachable | NetworkUnreachable => "printer unreachable".into(),
        _ => match e.raw_os_error() {
            // ENXIO: a USB printer that was unplugged, or a FIFO with no reader.
            Some(libc::ENXIO) => "device not connected".into(),
            Some(libc::ENODEV) => "device not connected".into(),
            _ => e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_short_and_name_the_target() {
        let e = PrinterError::Connect {
            address: "10.0.0.9:9100".into(),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert_eq!(
            e.to_string(),
            "cannot connect to printer 10.0.0.9:9100: connection refused"
        );
        let e = PrinterError::Open {
            path: "/dev/usb/lp0".into(),
            source: io::Error::from_raw_os_error(libc::ENXIO),
        };
        assert_eq!(
            e.to_string(),
            "cannot open printer /dev/usb/lp0: device not connected"
        );
    }
}
