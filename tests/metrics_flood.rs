//! A flood of the metrics port cannot hurt a sale (issue 24, point 2): hundreds of idle half-requests and
//! slow readers against `[metrics] listen` while a customer pays through the real UI, headless, with the
//! process's descriptor limit as low as a unit's `LimitNOFILE=` makes it. The sale shows its QR, its paid
//! screen and writes its journal row; the listener closes what it cannot serve.
//! One test function: the testing backend is per process, and the descriptor limit is the process's.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use slint::ComponentHandle;
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, SaleOutcome};
use wooshpay_kiosk::ui::{
    KioskAdapter, PaymentAdapter, PaymentPhase, ResultAdapter, ResultKind, Screen,
};

use common::ui::{Rig, decode_qr, run_flow, tap, until};

/// Connections the flood opens: far more than the descriptors left to the process.
const FLOOD: usize = 600;
/// Descriptors the process may open beyond those it has when the flood starts.
const HEADROOM: u64 = 100;

/// Opens up to FLOOD connections (fewer if the server stops accepting and its queue fills): two thirds send half a request and wait, a third send a whole request with a
/// tiny receive window and never read. Prints `open N`, then on each line from stdin prints how many the
/// server has closed so far, waiting (up to a deadline) until it has closed them all.
const FLOODER: &str = r#"
import socket, sys, time, select
port, count = int(sys.argv[1]), int(sys.argv[2])
conns = []
for i in range(count):
    s = socket.socket()
    if i % 3 == 2:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        break  # the listen queue is full: the server has stopped accepting
    s.settimeout(None)
    if i % 3 == 2:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: kiosk\r\n\r\n")
    else:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: kio")
    conns.append(s)
print("open", len(conns), flush=True)
def closed(s):
    while True:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        try:
            data = s.recv(65536)
        except OSError:
            return True
        if not data:
            return True
for line in sys.stdin:
    deadline = time.monotonic() + 30
    while True:
        gone = sum(1 for s in conns if closed(s))
        if gone == len(conns) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print("closed", gone, flush=True)
"#;

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[test]
fn a_sale_goes_through_while_the_metrics_port_is_flooded() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "flood", rt.clone());
    let endpoint = wooshpay_kiosk::metrics::serve("127.0.0.1:0".parse().unwrap(), &rt).unwrap();
    let (app, kiosk) =
        common::ui::start_kiosk(engine.clone(), common::ui::catalog(common::CATALOG), &rt).attach();

    // The process gets a small descriptor budget, as a unit's LimitNOFILE= would give it; the flooder (another
    // process, another budget) gets its own back.
    let limit = open_descriptors() + HEADROOM;
    let mut hard = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard), 0);
        let lowered = libc::rlimit {
            rlim_cur: limit,
            rlim_max: hard.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lowered), 0);
    }
    let mut flooder = Command::new("python3");
    flooder
        .args([
            "-c",
            FLOODER,
            &endpoint.local_addr.port().to_string(),
            &FLOOD.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let restore = hard;
    // SAFETY: setrlimit is async-signal-safe; it raises only the child's own soft limit back.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut flooder, move || {
            libc::setrlimit(libc::RLIMIT_NOFILE, &restore);
            Ok(())
        });
    }
    let mut flooder = flooder.spawn().unwrap();
    let mut to_flooder = flooder.stdin.take().unwrap();
    let mut from_flooder = BufReader::new(flooder.stdout.take().unwrap()).lines();
    let opened = from_flooder.next().unwrap().unwrap();
    let opened: usize = opened.strip_prefix("open ").unwrap().parse().unwrap();
    assert!(
        opened as u64 >= 2 * HEADROOM,
        "the flood outnumbers the descriptors left: {opened}"
    );

    let h_app = app.clone_strong();
    let h_sim = sim.clone();
    let journal_path = state.path().join(JOURNAL_FILE);
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let mut steps = common::ui::Steps::default();
        steps
            .run("a customer pays during the flood", async {
                tap(&app, "Add Latte");
                tap(&app, "Charge £3.40");
                until(&rt, "the QR code", || {
                    app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
                })
                .await;
                let session = h_sim.sessions().pop().expect("a session was created");
                assert_eq!(session["amount_total"], 340);
                assert_eq!(decode_qr(&app), session["url"].as_str().unwrap());
                h_sim.pay(session["id"].as_str().unwrap()).unwrap();
                until(&rt, "the paid screen", || screen() == Screen::Result).await;
                assert_eq!(app.global::<ResultAdapter>().get_kind(), ResultKind::Paid);
                let journal = Journal::open_read_only(&journal_path).unwrap();
                let sale = journal
                    .by_session(session["id"].as_str().unwrap())
                    .unwrap()
                    .expect("the sale's journal row");
                assert_eq!(sale.outcome, SaleOutcome::Paid);
            })
            .await;
        steps
    });

    // Every flood connection is closed by the listener: over the cap at once, the rest by their timeouts.
    writeln!(to_flooder, "report").unwrap();
    let closed = from_flooder.next().unwrap().unwrap();
    assert_eq!(
        closed,
        format!("closed {opened}"),
        "the listener let go of the flood"
    );
    drop(to_flooder);
    let _ = flooder.wait();

    // And it serves the next scrape.
    let scraped = runtime.block_on(async {
        common::http_client()
            .get(format!("http://{}/metrics", endpoint.local_addr))
            .send()
            .await
            .unwrap()
    });
    assert!(scraped.status().is_success(), "{}", scraped.status());
    drop(kiosk);
}
