//! The queue and transports end to end: a regular file or a FIFO stands
//! in for /dev/usb/lp0, TCP listeners on 127.0.0.1 for network printers.

mod printer_support;

use printer_support::{device_config, network_config, wait_for};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wooshpay_kiosk::printer::{
    JobKind, PrintJob, Printer, PrinterError, PrinterStatus, Timeouts, Timing, receipt_job,
};

/// Short timeouts; a long first backoff unless a test wants automatic retries,
/// so that recovery there can only come from `retry_now`.
fn timing(retry_first: Duration) -> Timing {
    Timing {
        timeouts: Timeouts {
            connect: Duration::from_secs(1),
            write: Duration::from_millis(300),
            linger: Duration::from_millis(200),
        },
        retry_first,
        retry_max: retry_first.max(Duration::from_millis(200)),
        shutdown_grace: Duration::from_secs(2),
    }
}

const SLOW: Duration = Duration::from_secs(600);

fn job(n: u8, len: usize) -> PrintJob {
    PrintJob::new(i64::from(n), JobKind::Receipt, vec![n; len])
}

fn queued(dir: &Path) -> usize {
    fs::read_dir(dir)
        .map(|d| {
            d.filter(|e| e.as_ref().unwrap().path().extension() == Some("job".as_ref()))
                .count()
        })
        .unwrap_or(0)
}

fn idle_and_empty(printer: &Printer) -> bool {
    let s = printer.state();
    s.status == PrinterStatus::Idle && s.waiting_jobs == 0
}

fn failing_with(printer: &Printer, text: &str) -> bool {
    matches!(&printer.state().status, PrinterStatus::Failing { error, .. } if error.contains(text))
}

#[test]
fn file_device_receives_jobs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    fs::write(&device, b"").unwrap();
    let config = device_config(&device);
    let printer = Printer::start_with(config.clone(), dir.path().join("q"), timing(SLOW));
    let receipt = receipt_job(&config, 1, &printer_support::receipt("en"), "en").unwrap();
    printer.enqueue(receipt.clone()).unwrap();
    printer.enqueue(job(2, 10)).unwrap();
    printer.enqueue(job(3, 10)).unwrap();
    let mut want = receipt.bytes.clone();
    want.extend([2; 10]);
    want.extend([3; 10]);
    wait_for("three jobs on the device", || {
        fs::read(&device).unwrap() == want
    });
    wait_for("idle", || idle_and_empty(&printer));
    assert_eq!(queued(&dir.path().join("q")), 0);
    let lines = printer_support::escpos_text::decode(&receipt.bytes, 48);
    assert!(lines.contains(&"2x2B|                Order 42".to_owned()));
}

#[test]
fn network_printer_receives_jobs() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let mut body = Vec::new();
            stream.unwrap().read_to_end(&mut body).unwrap();
            tx.send(body).unwrap();
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::start_with(network_config(address), dir.path(), timing(SLOW));
    printer.enqueue(job(1, 5000)).unwrap();
    printer.enqueue(job(2, 7)).unwrap();
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let second = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((first, second), (vec![1; 5000], vec![2; 7]));
    wait_for("idle", || idle_and_empty(&printer));
}

#[test]
fn absent_device_keeps_the_job_until_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    let queue = dir.path().join("q");
    let printer = Printer::start_with(device_config(&device), &queue, timing(SLOW));
    printer.enqueue(job(1, 100)).unwrap();
    wait_for("failing", || failing_with(&printer, "no such device"));
    let state = printer.state();
    assert_eq!(state.waiting_jobs, 1);
    assert_eq!(
        state.summary(),
        format!(
            "Printer offline: cannot open printer {}: no such device or file (1 job waiting)",
            device.display()
        )
    );
    assert_eq!(queued(&queue), 1);
    assert!(!device.exists(), "the device path must never be created");

    fs::write(&device, b"").unwrap();
    printer.retry_now();
    wait_for("job printed", || fs::read(&device).unwrap() == [1; 100]);
    wait_for("idle", || idle_and_empty(&printer));
    assert!(
        printer
            .state()
            .last_error
            .unwrap()
            .contains("no such device")
    );
    assert_eq!(queued(&queue), 0);
}

#[test]
fn refused_connection_is_retried_until_a_listener_appears() {
    // A port bound but not listening: connections to it are refused, and nothing else can take it before this
    // test starts listening on it.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
    let address = socket
        .local_addr()
        .unwrap()
        .as_socket()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::start_with(
        network_config(address),
        dir.path(),
        timing(Duration::from_millis(50)),
    );
    printer.enqueue(job(9, 64)).unwrap();
    wait_for("failing", || failing_with(&printer, "connection refused"));
    assert_eq!(queued(dir.path()), 1);

    socket.listen(1).unwrap();
    let listener: TcpListener = socket.into();
    let (stream, _) = listener.accept().unwrap();
    let mut body = Vec::new();
    let mut stream = stream;
    stream.read_to_end(&mut body).unwrap();
    assert_eq!(body, [9; 64]);
    wait_for("idle", || idle_and_empty(&printer));
}

#[test]
fn stalled_network_printer_times_out_without_hanging_anyone() {
    // A tiny receive window and a job far larger than the kernel buffers:
    // the printer "accepts" the connection, then never reads.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(1).unwrap();
    let listener: TcpListener = socket.into();
    let address = listener.local_addr().unwrap().to_string();
    let (keep_tx, keep_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let _conn = listener.accept();
        let _ = keep_rx.recv();
    });

    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::start_with(network_config(address), dir.path(), timing(SLOW));
    printer.enqueue(job(1, 16 << 20)).unwrap();
    wait_for("printing", || printer.state().status != PrinterStatus::Idle);
    // The worker is stuck in the send: enqueue must still return at once.
    let started = Instant::now();
    printer.enqueue(job(2, 10)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    wait_for("write timeout", || failing_with(&printer, "timed out"));
    assert_eq!(printer.state().waiting_jobs, 2);
    assert_eq!(queued(dir.path()), 2);

    let started = Instant::now();
    drop(printer);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(queued(dir.path()), 2, "jobs must survive shutdown");
    drop(keep_tx);
}

#[test]
fn stalled_device_times_out_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lp0");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    // A reader that holds the pipe open but does not read yet: its 64 KiB
    // buffer fills and the printer stops taking data.
    let mut reader = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let queue = dir.path().join("q");
    let printer = Printer::start_with(device_config(&fifo), &queue, timing(SLOW));
    let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    printer
        .enqueue(PrintJob::new(1, JobKind::Receipt, big.clone()))
        .unwrap();
    wait_for("write timeout", || {
        failing_with(&printer, "stopped taking data")
    });
    assert_eq!(queued(&queue), 1);

    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let stop = Arc::new(Mutex::new(false));
    let stop_reader = stop.clone();
    let drain = std::thread::spawn(move || {
        let mut buf = vec![0; 65536];
        while !*stop_reader.lock().unwrap() {
            match reader.read(&mut buf) {
                Ok(n) if n > 0 => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                Ok(_) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Err(e) => panic!("{e}"),
            }
        }
    });
    printer.retry_now();
    wait_for("job printed", || idle_and_empty(&printer));
    assert_eq!(queued(&queue), 0);
    *stop.lock().unwrap() = true;
    drain.join().unwrap();
    // The failed attempt left a partial copy before the complete one.
    assert!(received.lock().unwrap().ends_with(&big));
}

#[test]
fn jobs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    let queue = dir.path().join("q");
    let printer = Printer::start_with(device_config(&device), &queue, timing(SLOW));
    printer.enqueue(job(1, 3)).unwrap();
    printer.enqueue(job(2, 3)).unwrap();
    wait_for("failing", || failing_with(&printer, "no such device"));
    let started = Instant::now();
    printer.shutdown();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(queued(&queue), 2);

    fs::write(&device, b"").unwrap();
    let printer = Printer::start_with(device_config(&device), &queue, timing(SLOW));
    wait_for("both jobs printed", || {
        fs::read(&device).unwrap() == [1, 1, 1, 2, 2, 2]
    });
    wait_for("idle", || idle_and_empty(&printer));
}

#[test]
fn corrupt_job_file_is_set_aside_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    fs::write(&device, b"").unwrap();
    let queue = dir.path().join("q");
    fs::create_dir(&queue).unwrap();
    let broken = queue.join("00000000000000000001-receipt.job");
    fs::write(
        &broken,
        b"escpos-job 1\nid: x\nsale_id: 1\nkind: receipt\nlength: 99\n\nshort",
    )
    .unwrap();

    let printer = Printer::start_with(device_config(&device), &queue, timing(SLOW));
    printer.enqueue(job(7, 4)).unwrap();
    wait_for("good job printed", || fs::read(&device).unwrap() == [7; 4]);
    wait_for("idle", || idle_and_empty(&printer));
    let error = printer.state().last_error.unwrap();
    assert_eq!(
        error,
        format!(
            "corrupt print job {} set aside as {}.corrupt: header says 99 bytes but 5 follow (file cut short?)",
            broken.display(),
            broken.display()
        )
    );
    assert!(!broken.exists());
    assert!(
        queue
            .join("00000000000000000001-receipt.job.corrupt")
            .exists()
    );
}

#[test]
fn enqueue_rejects_a_bad_id() {
    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::start_with(
        device_config(&dir.path().join("lp0")),
        dir.path(),
        timing(SLOW),
    );
    let mut bad = job(1, 1);
    bad.id = "two\nlines".into();
    assert!(matches!(
        printer.enqueue(bad),
        Err(PrinterError::InvalidJob(_))
    ));
}

/// The job files in `dir` whose names end with `suffix` (".job", ".printing", ".done").
fn in_state(dir: &Path, suffix: &str) -> usize {
    fs::read_dir(dir)
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.ends_with(suffix))
            })
            .count()
        })
        .unwrap_or(0)
}

/// A cut between queueing a paid sale's receipt and noting it printed in the journal makes the next start
/// queue the same first print again, waiting or already printed: it must reach paper once.
#[test]
fn a_first_print_queued_again_after_a_cut_prints_once() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    let queue = dir.path().join("q");
    let config = device_config(&device);
    let receipt = receipt_job(&config, 1, &printer_support::receipt("en"), "en").unwrap();

    // Still waiting (the printer is away) when it is queued again.
    let printer = Printer::start_with(config.clone(), &queue, timing(SLOW));
    printer.enqueue(receipt.clone()).unwrap();
    printer.enqueue(receipt.clone()).unwrap();
    wait_for("failing", || failing_with(&printer, "no such device"));
    assert_eq!(queued(&queue), 1, "one job for one first print");
    assert_eq!(printer.state().waiting_jobs, 1);
    fs::write(&device, b"").unwrap();
    printer.retry_now();
    wait_for("the receipt printed", || {
        fs::read(&device).unwrap() == receipt.bytes
    });
    wait_for("idle", || idle_and_empty(&printer));
    printer.shutdown();

    // Printed already when the next start queues it again; another job after it shows when the queue is done.
    let printer = Printer::start_with(config, &queue, timing(SLOW));
    printer.enqueue(receipt.clone()).unwrap();
    printer.enqueue(job(2, 3)).unwrap();
    let mut want = receipt.bytes.clone();
    want.extend([2; 3]);
    wait_for("the next job printed", || {
        fs::read(&device).unwrap().len() >= want.len()
    });
    wait_for("idle", || idle_and_empty(&printer));
    assert!(
        fs::read(&device).unwrap() == want,
        "the receipt must print once, then the next job"
    );
}

/// A cut while a job was going to the printer leaves it marked as printing: it may or may not be on paper, so
/// it is printed again after the boot, under a line that says it may be a duplicate.
#[test]
fn a_job_interrupted_while_printing_prints_again_once_with_a_mark() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    let queue = dir.path().join("q");
    let config = device_config(&device);
    let receipt = receipt_job(&config, 1, &printer_support::receipt("en"), "en").unwrap();
    // The queue as a cut leaves it: the job renamed to its printing name (and that rename synced).
    let printer = Printer::start_with(config.clone(), &queue, timing(SLOW));
    printer.enqueue(receipt.clone()).unwrap();
    printer.shutdown();
    let waiting = queue.join("00000000000000000001-receipt.job");
    fs::rename(
        &waiting,
        queue.join("00000000000000000001-receipt.printing"),
    )
    .unwrap();

    fs::write(&device, b"").unwrap();
    let printer = Printer::start_with(config, &queue, timing(SLOW));
    // Queued again by the journal at the same start: still one print.
    printer.enqueue(receipt.clone()).unwrap();
    printer.enqueue(job(2, 3)).unwrap();
    wait_for("the receipt and the next job printed", || {
        fs::read(&device).unwrap().ends_with(&[2; 3])
    });
    wait_for("idle", || idle_and_empty(&printer));
    let printed = fs::read(&device).unwrap();
    let receipt_and_mark = &printed[..printed.len() - 3];
    assert!(
        receipt_and_mark.ends_with(&receipt.bytes) && receipt_and_mark.len() > receipt.bytes.len()
    );
    let lines = printer_support::escpos_text::decode(receipt_and_mark, 48);
    let order = |l: &String| l.contains("Order 42");
    assert_eq!(lines.iter().filter(|l| order(l)).count(), 1, "{lines:#?}");
    let mark = lines
        .iter()
        .position(|l| l.contains("DUPLICATE?"))
        .unwrap_or_else(|| panic!("no duplicate mark: {lines:#?}"));
    assert!(mark < lines.iter().position(order).unwrap(), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("interrupted")),
        "{lines:#?}"
    );
    assert_eq!(in_state(&queue, ".printing"), 0);
    assert_eq!(in_state(&queue, ".job"), 0);
}

/// A job that printed normally carries no mark and stays on record as done, not waiting.
#[test]
fn a_printed_job_is_kept_as_done_without_a_mark() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    fs::write(&device, b"").unwrap();
    let queue = dir.path().join("q");
    let config = device_config(&device);
    let receipt = receipt_job(&config, 1, &printer_support::receipt("en"), "en").unwrap();
    let printer = Printer::start_with(config, &queue, timing(SLOW));
    printer.enqueue(receipt.clone()).unwrap();
    wait_for("printed", || fs::read(&device).unwrap() == receipt.bytes);
    wait_for("idle", || idle_and_empty(&printer));
    assert_eq!(in_state(&queue, ".done"), 1);
    assert_eq!((queued(&queue), in_state(&queue, ".printing")), (0, 0));
}

/// A job that cannot be written to the queue (a full or failing SD card; here the queue's directory is a file)
/// is never silent: the state names it, the staff screen's summary says so, and the next job that can be
/// written clears it.
#[test]
fn a_job_that_cannot_be_queued_is_named_until_one_can() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    fs::write(&device, b"").unwrap();
    let queue = dir.path().join("q");
    fs::write(&queue, b"not a directory").unwrap();
    let printer = Printer::start_with(device_config(&device), &queue, timing(SLOW));
    assert!(printer.enqueue(job(1, 3)).is_err());
    // The worker too finds the queue unreadable and backs off (for ten minutes at this timing).
    wait_for("the worker to find the queue unreadable", || {
        matches!(printer.state().status, PrinterStatus::Failing { .. })
    });
    let state = printer.state();
    assert!(state.queue_error.is_some(), "{state:?}");
    assert!(
        state.summary().starts_with("Cannot queue print jobs: "),
        "{}",
        state.summary()
    );

    fs::remove_file(&queue).unwrap();
    fs::create_dir(&queue).unwrap();
    printer.enqueue(job(2, 3)).unwrap();
    assert_eq!(printer.state().queue_error, None);
    wait_for("the job printed", || {
        fs::read(&device).unwrap() == [2, 2, 2]
    });
}
