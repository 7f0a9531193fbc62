//! Driving the real UI headless: find controls by the label a screen reader would announce, tap them, wait.

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use wooshpay_kiosk::checkout::CheckoutEngine;
use wooshpay_kiosk::simulator::Simulator;
use wooshpay_kiosk::ui::AppWindow;

/// Taps the control with this accessible label, as a finger or an accessibility tool would.
pub fn tap(app: &AppWindow, label: &str) {
    let element = ElementHandle::find_by_accessible_label(app, label)
        .next()
        .unwrap_or_else(|| panic!("no control labelled {label:?} on screen"));
    assert_ne!(
        element.accessible_enabled(),
        Some(false),
        "{label:?} is disabled"
    );
    element.invoke_accessible_default_action();
}

/// Opens a sale from the staff screen's list with a tap on its row, found by the end of its session id (the row's
/// accessible label ends with it, as the list shows it: `…38049795`).
pub fn open_sale(app: &AppWindow, session_id: &str) {
    let tail = format!("…{}", &session_id[session_id.len().saturating_sub(8)..]);
    let wanted = tail.clone();
    let row = i_slint_backend_testing::ElementQuery::from_root(app)
        .match_descendants()
        .match_predicate(move |e| {
            e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button)
                && e.accessible_label()
                    .is_some_and(|l| l.ends_with(wanted.as_str()))
        })
        .find_first()
        .unwrap_or_else(|| panic!("no sale row ending {tail:?} on the staff screen"));
    row.invoke_accessible_default_action();
}

/// Types a PIN on the keypad and submits it.
/// The Staff control, then the PIN: the staff screen opens when the PIN is right.
pub fn open_staff(app: &AppWindow, pin: &str) {
    tap(app, "Staff");
    type_pin(app, pin);
}

pub fn type_pin(app: &AppWindow, pin: &str) {
    for digit in pin.chars() {
        tap(app, &digit.to_string());
    }
    tap(app, "OK");
}

pub fn enabled(app: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, label)
        .next()
        .and_then(|e| e.accessible_enabled())
        .unwrap_or(true)
}

/// Whether something on screen carries this label (texts are labelled with what they say).
pub fn shows(app: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, label)
        .next()
        .is_some()
}

/// Waits on the UI thread (the event loop keeps running) until `condition` holds, or fails after 30 s.
pub async fn until(runtime: &tokio::runtime::Handle, what: &str, condition: impl Fn() -> bool) {
    for _ in 0..1500 {
        if condition() {
            return;
        }
        let _ = runtime
            .spawn(async { tokio::time::sleep(Duration::from_millis(20)).await })
            .await;
    }
    panic!("timed out waiting for: {what}");
}

/// An engine against the simulator with quick polls and retries, journalling into `state`.
pub fn engine(
    sim: &Simulator,
    state: &std::path::Path,
    kiosk_id: &str,
    runtime: tokio::runtime::Handle,
) -> CheckoutEngine {
    super::engine::TestEngine::new(&sim.api_base_url(), kiosk_id)
        .retries(1, 20, 50)
        .build(state, runtime)
}

/// A sale whose screen went away while it awaited payment: its session is created, then the task following it
/// is stopped, so the sale stays pending in the journal with its session open. Returns the session id.
pub async fn abandoned_sale(
    engine: &CheckoutEngine,
    runtime: &tokio::runtime::Handle,
    item: &str,
) -> String {
    let order = wooshpay_kiosk::checkout::Order::from_quantities(
        &catalog(super::CATALOG),
        &[(item.to_owned(), 1)],
    )
    .unwrap();
    let charging = engine.clone();
    runtime
        .spawn(async move {
            let (mut events, _, task) = charging.start_charge(order).unwrap().into_parts();
            loop {
                if let Some(wooshpay_kiosk::checkout::CheckoutEvent::SessionCreated {
                    id, ..
                }) = events.recv().await
                {
                    task.abort();
                    let _ = task.await;
                    return id;
                }
            }
        })
        .await
        .unwrap()
}

/// The kiosk's UI on a new window, as `run` starts it: what a test does not set is the default of a configured
/// kiosk (no staff PIN, no demo banner, no backlight, no GPIO, test mode).
pub struct StartKiosk {
    context: wooshpay_kiosk::ui::UiContext,
}

pub fn start_kiosk(
    engine: CheckoutEngine,
    catalog: wooshpay_kiosk::catalog::Catalog,
    runtime: &tokio::runtime::Handle,
) -> StartKiosk {
    StartKiosk {
        context: wooshpay_kiosk::ui::UiContext {
            engine,
            catalog,
            display: wooshpay_kiosk::config::DisplaySettings::default(),
            demo: false,
            runtime: runtime.clone(),
            signals: std::sync::Arc::new(wooshpay_kiosk::hw::RecordingSignals::default()),
            staff: None,
            catalog_source: None,
            catalog_status: Default::default(),
            catalog_feed: None,
            mode: wooshpay_kiosk::ui::convert::Mode::Test,
            backlight: None,
            tip_percentages: Vec::new(),
            on_catalog_expired: Default::default(),
            order_prefix: None,
            printer: None,
        },
    }
}

impl StartKiosk {
    pub fn display(mut self, display: wooshpay_kiosk::config::DisplaySettings) -> Self {
        self.context.display = display;
        self
    }

    pub fn demo(mut self) -> Self {
        self.context.demo = true;
        self
    }

    /// Lights and buzzer recorded into `signals`, for the test to read.
    pub fn signals(mut self, signals: &wooshpay_kiosk::hw::RecordingSignals) -> Self {
        self.context.signals = std::sync::Arc::new(signals.clone());
        self
    }

    pub fn backlight(
        mut self,
        backlight: Option<wooshpay_kiosk::hw::backlight::Backlight>,
    ) -> Self {
        self.context.backlight = backlight;
        self
    }

    /// `[staff]` with this PIN, locking the staff screens after `lock_after` without a touch.
    pub fn staff_pin(mut self, pin: &str, lock_after: Duration) -> Self {
        use wooshpay_kiosk::staff::{PinHash, hash_pin};
        self.context.staff = Some(wooshpay_kiosk::config::StaffSettings {
            pin_hash: PinHash::parse(&hash_pin(pin).unwrap()).unwrap(),
            admin_lock_after: lock_after,
        });
        self
    }

    /// `[printer]`, printing into its queue under `queue_dir`.
    pub fn printer(
        mut self,
        config: wooshpay_kiosk::printer::PrinterConfig,
        queue_dir: &std::path::Path,
    ) -> Self {
        self.context.printer = Some(std::sync::Arc::new(
            wooshpay_kiosk::printer::Printer::start(config, queue_dir),
        ));
        self
    }

    /// `[kiosk] order_prefix`.
    pub fn order_prefix(mut self, prefix: &str) -> Self {
        self.context.order_prefix = Some(prefix.to_owned());
        self
    }

    /// `[checkout] tip_percentages`.
    pub fn tips(mut self, percentages: &[u32]) -> Self {
        self.context.tip_percentages = percentages.to_vec();
        self
    }

    /// Where Reload catalog reads from.
    pub fn catalog_file(mut self, path: &std::path::Path) -> Self {
        self.context.catalog_source = Some((path.to_owned(), self.context.catalog.currency));
        self
    }

    /// `[checkout] on_catalog_expired`.
    pub fn on_catalog_expired(mut self, policy: wooshpay_kiosk::config::OnCatalogExpired) -> Self {
        self.context.on_catalog_expired = policy;
        self
    }

    /// New catalogs from a `catalog_url` feed.
    pub fn catalog_feed(mut self, feed: wooshpay_kiosk::ui::feed_link::FeedLink) -> Self {
        self.context.catalog_feed = Some(feed);
        self
    }

    pub fn attach(self) -> (AppWindow, std::rc::Rc<wooshpay_kiosk::ui::Kiosk>) {
        let app = AppWindow::new().unwrap();
        let kiosk = wooshpay_kiosk::ui::Kiosk::attach(&app, self.context);
        (app, kiosk)
    }
}

/// The named steps of one UI flow, each reported on its own: a failed step is recorded and the next one still
/// runs (from a clean catalog where the flow resets between steps, else from where the last one left off),
/// and `finish` fails the test naming every step that failed.
/// One test function per binary drives the UI, because the testing backend is per process.
#[derive(Default)]
pub struct Steps {
    failed: Vec<String>,
    passed: usize,
}

impl Steps {
    pub async fn run(&mut self, name: &str, step: impl std::future::Future<Output = ()>) {
        use futures_util::FutureExt;
        match std::panic::AssertUnwindSafe(step).catch_unwind().await {
            Ok(()) => {
                self.passed += 1;
                println!("step ok: {name}");
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(no message)".to_owned());
                println!("step FAILED: {name}: {message}");
                self.failed.push(format!("{name}: {message}"));
            }
        }
    }

    /// Panics with every failed step, after the event loop has been left.
    pub fn finish(self) {
        assert!(
            self.failed.is_empty(),
            "{} of {} steps failed:\n  {}",
            self.failed.len(),
            self.failed.len() + self.passed,
            self.failed.join("\n  ")
        );
    }
}

/// What every headless UI test starts from: the testing backend, a tokio runtime beside the UI thread, the
/// simulator on loopback, and a state directory of its own.
pub struct Rig {
    pub runtime: tokio::runtime::Runtime,
    pub rt: tokio::runtime::Handle,
    pub sim: Simulator,
    pub state: tempfile::TempDir,
}

impl Rig {
    pub fn new() -> Self {
        i_slint_backend_testing::init_integration_test_with_system_time();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let rt = runtime.handle().clone();
        let sim = runtime.block_on(super::simulator());
        Self {
            runtime,
            rt,
            sim,
            state: tempfile::tempdir().unwrap(),
        }
    }
}

/// A catalog from TOML text, in GBP.
pub fn catalog(text: &str) -> wooshpay_kiosk::catalog::Catalog {
    wooshpay_kiosk::catalog::Catalog::parse(
        text,
        "catalog.toml".as_ref(),
        ".".as_ref(),
        wooshpay_kiosk::money::Currency::from_code("GBP").unwrap(),
    )
    .unwrap()
}

/// Runs a flow's steps on the UI thread's event loop, then fails the test naming every step that failed.
pub fn run_flow(flow: impl std::future::Future<Output = Steps> + 'static) {
    let finished = std::rc::Rc::new(std::cell::RefCell::new(None));
    let recorded = finished.clone();
    slint::spawn_local(async move {
        *recorded.borrow_mut() = Some(flow.await);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    finished.take().expect("the flow ran to its end").finish();
}

/// The payment screen's QR code, decoded: what a phone's camera reads.
pub fn decode_qr(app: &AppWindow) -> String {
    let pixels = app
        .global::<wooshpay_kiosk::ui::PaymentAdapter>()
        .get_qr()
        .to_rgb8()
        .expect("the QR is an RGB image");
    let (width, height) = (pixels.width() as usize, pixels.height() as usize);
    let scale = 6;
    let data = pixels.as_slice();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width * scale, height * scale, |x, y| {
            data[(y / scale) * width + x / scale].r
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the payment screen");
    grids[0].decode().expect("the QR decodes").1
}
