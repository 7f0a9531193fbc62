//! Delivers one job's bytes. Blocking calls: run them on the print worker,
//! never on a caller's thread. Every wait is bounded, so a printer that
//! stops taking data ends in `PrinterError::Stalled`, not a hang.

use super::config::PrinterTarget;
use super::error::PrinterError;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Longest time the printer may take no data before the job fails.
    pub write: Duration,
    /// After a network job, how long to wait for the printer to close its
    /// side. Closing first while it still has status bytes for us makes
    /// our kernel send a reset, and some printers then drop the tail of
    /// the job.
    pub linger: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(5),
            linger: Duration::from_secs(1),
        }
    }
}

pub fn send(target: &PrinterTarget, bytes: &[u8], timeouts: &Timeouts) -> Result<(), PrinterError> {
    match target {
        PrinterTarget::Device(path) => send_device(path, bytes, timeouts.write),
        PrinterTarget::Network(address) => send_network(address, bytes, timeouts),
    }
}

/// The device is opened non-blocking: a USB printer out of paper (usblp)
/// or a serial port with flow control held off would otherwise block
/// `write` for ever, and blocking `open` on a tty waits for carrier.
fn send_device(path: &Path, bytes: &[u8], timeout: Duration) -> Result<(), PrinterError> {
    let target = path.display().to_string();
    // Never create: a missing /dev node means the printer is unplugged, and
    // creating a regular file there would swallow every job.
    let is_file = path.metadata().map(|m| m.is_file()).unwrap_or(false);
    let mut file: File = OpenOptions::new()
        .write(true)
        .append(is_file)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|source| PrinterError::Open {
            path: path.to_owned(),
            source,
        })?;
    let send_err = |source| PrinterError::Send {
        target: target.clone(),
        source,
    };
    let mut written = 0;
    let mut last_progress = Instant::now();
    while written < bytes.len() {
        match file.write(&bytes[written..]) {
            Ok(0) => return Err(send_err(ErrorKind::WriteZero.into())),
            Ok(n) => {
                written += n;
                last_progress = Instant::now();
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                wait_writable(&file, &target, timeout, last_progress)?;
            }
            Err(e) => return Err(send_err(e)),
        }
    }
    // usblp returns from a non-blocking write before the USB transfer ends
    // and cancels unfinished transfers on close: wait for the last one.
    wait_writable(&file, &target, timeout, Instant::now())?;
    file.flush().map_err(send_err)
}

/// Waits until `file` accepts data, failing once `timeout` has passed
/// since `since`.
fn wait_writable(
    file: &File,
    target: &str,
    timeout: Duration,
    since: Instant,
) -> Result<(), PrinterError> {
    loop {
        let left = timeout.saturating_sub(since.elapsed());
        if left.is_zero() {
            return Err(PrinterError::Stalled {
                target: target.to_owned(),
                seconds: timeout.as_secs_f64(),
            });
        }
        let mut fds = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLOUT,
            revents: 0,
        };
        let ms = libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
        // SAFETY: `fds` is one valid pollfd that outlives the call, and the
        // descriptor stays open because `file` is borrowed.
        let ready = unsafe { libc::poll(&mut fds, 1, ms) };
        if ready > 0 {
            if fds.revents & (libc::POLLERR | libc::POLLHUP) != 0
                && fds.revents & libc::POLLOUT == 0
            {
                return Err(PrinterError::Send {
                    target: target.to_owned(),
                    source: std::io::Error::from_raw_os_error(libc::ENXIO),
                });
            }
            return Ok(());
        }
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != ErrorKind::Interrupted {
                return Err(PrinterError::Send {
                    target: target.to_owned(),
                    source: e,
                });
            }
        }
    }
}

fn send_network(address: &str, bytes: &[u8], t: &Timeouts) -> Result<(), PrinterError> {
    let connect_err = |source| PrinterError::Connect {
        address: address.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = address.to_socket_addrs().map_err(connect_err)?.collect();
    let mut last_err = std::io::Error::new(ErrorKind::NotFound, "name has no addresses");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, t.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = e,
        }
    }
    let mut stream = stream.ok_or_else(|| connect_err(last_err))?;

    let send_err = |source| PrinterError::Send {
        target: address.to_owned(),
        source,
    };
    stream.set_write_timeout(Some(t.write)).map_err(send_err)?;
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(send_err(ErrorKind::WriteZero.into())),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(PrinterError::Stalled {
                    target: address.to_owned(),
                    seconds: t.write.as_secs_f64(),
                });
            }
            Err(e) => return Err(send_err(e)),
        }
    }
    stream.flush().map_err(send_err)?;
    stream.shutdown(Shutdown::Write).map_err(send_err)?;
    linger(&mut stream, t.linger);
    Ok(())
}

/// Reads and discards until the printer closes or `limit` passes; the
/// job is already delivered, so nothing here can fail it.
fn linger(stream: &mut TcpStream, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
