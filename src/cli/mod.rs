//! The command line: `charge`, `recover`, `sales`, `check`, `simulate`, `catalog sync`, and the touchscreen UI.

mod charge;
mod check;
mod hash_pin;
pub mod live;
mod reconcile;
mod recover;
mod refund;
mod sales;
mod setup;
mod simulate;
mod status;
mod sync;

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            super::terminal_safe("Odd\u{1b}[2J\u{7} tea"),
            "Odd\\u{1b}[2J\\u{7} tea"
        );
        assert_eq!(super::terminal_safe("Café £3"), "Café £3");
    }
}

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, a public contract for scripts and installers.
pub mod exit {
    pub const PAID: u8 = 0;
    pub const OK: u8 = 0;
    pub const RUNTIME_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const EXPIRED: u8 = 3;
    pub const CANCELLED: u8 = 4;
    pub const DECLINED: u8 = 5;
}

#[derive(Parser, Debug)]
#[command(name = "wooshpay-kiosk", version, about = "QR-code checkout kiosk for WooshPay", long_about = None)]
pub struct Cli {
    /// Configuration file [default: $WOOSHPAY_KIOSK_CONFIG, else /etc/wooshpay-kiosk/config.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Run against the built-in WooshPay simulator with the sample café catalog: no config, no key, no money
    #[arg(long, global = true)]
    pub demo: bool,

    /// More detail in the log (-v debug, -vv trace); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Run the touchscreen UI without a display (software-rendered off screen): for tests and soak runs
    #[arg(long)]
    pub headless: bool,

    /// Show the touchscreen UI in a window even where the configuration makes it fill the screen (development)
    #[arg(long, global = true)]
    pub windowed: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sell from a terminal: create a checkout session, show its QR code, wait for the payment.
    ///
    /// Exit status: 0 paid, 3 expired or timed out, 4 cancelled (Ctrl-C or SIGTERM), 5 declined,
    /// 1 runtime error (key rejected, WooshPay unreachable), 2 bad usage or configuration.
    Charge(charge::ChargeArgs),
    /// Validate the configuration and catalog, then prove the key with one read-only WooshPay call.
    Check,
    /// Settle every sale the journal still holds as pending: read each from WooshPay, record paid or
    /// expired, expire sessions past the timeout, and keep watching open ones until the timeout.
    ///
    /// Exit status: 0 all settled, 1 some still pending (WooshPay unreachable), 2 bad configuration.
    Recover(recover::RecoverArgs),
    /// Print the sale journal, one sale per line: session id, created and finished times, lines, amount,
    /// currency, outcome (paid, expired, cancelled, failed or pending).
    Sales(sales::SalesArgs),
    /// Read a staff PIN from the terminal (or one line of stdin) and print its `[staff] pin_hash` line.
    HashPin,
    /// Run the WooshPay simulator as a server (for demos and tests on other machines).
    Simulate(simulate::SimulateArgs),
    /// Catalog operations.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// For installers: light each configured LED in turn, then sound both buzzer patterns.
    GpioTest,
    /// What a fleet tool reads: version, kiosk id, mode, WooshPay reachable and last contact, pending sales,
    /// today's totals, catalog source and age, printer. Needs no lock, key or network; works beside a
    /// running kiosk.
    Status(status::StatusArgs),
    /// Refund a paid sale, whole or in part (`--amount 1.50`), with a reason. Works beside the running kiosk.
    ///
    /// Exit status: 0 refunded; 1 not refunded (WooshPay refused, could not be reached, or the refund is still
    /// pending); 2 refused before any request (unknown sale, not paid, nothing left, amount over what is left,
    /// more decimals than the currency has).
    Refund(refund::RefundArgs),
    /// Compare this kiosk's sessions at WooshPay (its `metadata.kiosk_id`) with the journal: paid at WooshPay
    /// but not in the journal, paid in the journal but not at WooshPay, amounts that differ, sessions still open.
    ///
    /// Exit status: 0 they agree, 1 they differ or WooshPay could not be asked, 2 bad usage or configuration.
    Reconcile(reconcile::ReconcileArgs),
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Create a WooshPay product and price for every catalog item not yet synced, and remember their ids.
    Sync,
}

/// Text from a catalog or the journal, safe to print on a terminal: control characters (escape sequences, bells)
/// are shown escaped, `\u{1b}`, instead of acting on the terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// A failure with the exit status it maps to; the message is for people and never holds the secret key.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            code: exit::RUNTIME_ERROR,
            message: message.into(),
        }
    }
}

pub fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    crate::logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::RUNTIME_ERROR);
        }
    };
    let result = match cli.command {
        None => run_ui(&cli, &runtime, started),
        Some(_) => runtime.block_on(run(cli)),
    };
    // Do not wait for background tasks (an idle simulator, say) once the command has its answer.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Some(Command::Charge(args)) => charge::run(&cli, args).await,
        Some(Command::Check) => check::run(&cli).await,
        Some(Command::Recover(args)) => recover::run(&cli, args).await,
        Some(Command::Sales(args)) => sales::run(args),
        Some(Command::HashPin) => hash_pin::run(),
        Some(Command::Simulate(args)) => simulate::run(args).await,
        Some(Command::Catalog(CatalogCommand::Sync)) => sync::run(&cli).await,
        Some(Command::GpioTest) => gpio_test(&cli),
        Some(Command::Status(args)) => status::run(&cli, args),
        Some(Command::Reconcile(args)) => reconcile::run(&cli, args).await,
        Some(Command::Refund(args)) => refund::run(&cli, args).await,
        None => unreachable!("the UI runs on the main thread, outside the runtime"),
    }
}

fn gpio_test(cli: &Cli) -> Result<u8, Failure> {
    let source = crate::config::ConfigSource::locate(cli.config.as_deref());
    let config = crate::config::Config::load(source.path()).map_err(|e| Failure::usage(e.0))?;
    let Some(settings) = &config.gpio else {
        return Err(Failure::usage(format!(
            "{}: there is no [gpio] section to test",
            config.path.display()
        )));
    };
    let gpio = crate::hw::gpio::GpioSignals::open(settings)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    gpio.self_test(&mut |step| println!("{step}"));
    println!("GPIO test finished");
    Ok(exit::OK)
}

/// The touchscreen UI: Slint owns the main thread, the engine runs on the tokio runtime's workers.
fn run_ui(
    cli: &Cli,
    runtime: &tokio::runtime::Runtime,
    started: std::time::Instant,
) -> Result<u8, Failure> {
    let mut setup = runtime.block_on(setup::Setup::for_ui(cli))?;
    let _entered = runtime.enter();
    // Headless draws off screen at a fixed size: nothing to fill, so it counts as windowed.
    let window_mode = crate::ui::fullscreen::window_mode(
        setup.display.fullscreen,
        setup.demo.is_some(),
        cli.windowed || cli.headless,
    );
    crate::ui::init_platform(&setup.display, cli.headless, window_mode)
        .map_err(|e| Failure::runtime(format!("cannot open the display: {e}")))?;
    // Another kiosk process owns the state directory (`recover` run by hand, a second start): say so on screen
    // and wait for it rather than exit, so systemd does not spin.
    if let Err(failure) = setup.lock_state() {
        tracing::error!(error = %failure.message, "waiting for the state directory");
        eprintln!("{}; waiting for it to finish…", failure.message);
        let lock = crate::ui::wait_for_state_directory(
            &setup.display,
            window_mode,
            &failure.message,
            &setup.state_dir,
        )
        .map_err(|e| Failure::runtime(e.to_string()))?;
        setup.state_lock = Some(lock);
    }
    let engine = setup.engine()?;
    let gpio = crate::hw::open_gpio(setup.gpio.as_ref());
    let signals: std::sync::Arc<dyn crate::hw::Signals> = match &gpio {
        Some(gpio) => gpio.clone(),
        None => std::sync::Arc::new(crate::hw::NoSignals),
    };
    let backlight = setup.display.idle_brightness_percent.and_then(|percent| {
        crate::hw::backlight::Backlight::find(
            std::path::Path::new(crate::hw::backlight::SYSFS_BACKLIGHT),
            std::path::Path::new(crate::hw::backlight::WRITABLE_BACKLIGHT_LINK),
            percent,
        )
    });
    let catalog_source = setup
        .catalog_path
        .clone()
        .map(|path| (path, setup.catalog.currency));
    // Demo mode opens the staff screens with a PIN everybody knows; hashed here, only when the UI runs.
    let staff = match (&setup.staff, &setup.demo) {
        (Some(staff), _) => Some(staff.clone()),
        (None, Some(_)) => match crate::demo::demo_staff() {
            Ok(staff) => {
                tracing::warn!(
                    pin = crate::demo::DEMO_STAFF_PIN,
                    "DEMO MODE: the staff PIN is the demo PIN"
                );
                Some(staff)
            }
            Err(error) => {
                tracing::error!(%error, "the demo staff PIN cannot be set up; no staff screens");
                None
            }
        },
        (None, None) => None,
    };
    let printer = setup.printer.clone().map(|config| {
        // Jobs wait in the state directory, so a receipt queued before a power cut prints after it.
        std::sync::Arc::new(crate::printer::Printer::start(
            config,
            crate::printer::queue_dir(&setup.state_dir),
        ))
    });
    let feed = setup.catalog_feed.take();
    let mut catalog_status = match &feed {
        Some(feed) => crate::kiosk::fleet_status::CatalogStatus {
            source: "url".to_owned(),
            location: Some(feed.settings().url.to_string()),
            items: setup.catalog.items.len(),
            fetched_ms: feed.status().fetched_at_ms,
            checked_ms: feed.status().checked_at_ms,
            loaded_ms: Some(crate::journal::now_ms()),
            last_error: feed.status().last_error.clone(),
            ..Default::default()
        },
        None => crate::kiosk::fleet_status::CatalogStatus {
            source: if setup.catalog_path.is_some() {
                "file"
            } else {
                "built-in"
            }
            .to_owned(),
            location: setup
                .catalog_path
                .as_ref()
                .map(|path| path.display().to_string()),
            items: setup.catalog.items.len(),
            fetched_ms: None,
            checked_ms: None,
            loaded_ms: Some(crate::journal::now_ms()),
            last_error: None,
            ..Default::default()
        },
    };
    catalog_status.describe(&setup.catalog);
    let catalog_status = std::sync::Arc::new(std::sync::Mutex::new(catalog_status));
    live::LiveReports {
        runtime_dir: crate::state::runtime_dir(&setup.state_dir),
        kiosk_id: setup.settings.kiosk_id.clone(),
        currency: setup.catalog.currency.code(),
        mode: setup.ui_mode().as_str(),
        engine: engine.clone(),
        printer: printer.clone(),
        catalog: catalog_status.clone(),
    }
    .start(setup.metrics.as_ref(), runtime.handle());
    let context = crate::ui::UiContext {
        catalog_feed: feed.map(|feed| crate::ui::feed_link::start(feed, runtime.handle())),
        catalog_status,
        staff,
        catalog_source,
        mode: setup.ui_mode(),
        signals,
        backlight,
        engine,
        catalog: setup.catalog.clone(),
        display: setup.display.clone(),
        demo: setup.demo.is_some(),
        runtime: runtime.handle().clone(),
        tip_percentages: setup.tip_percentages.clone(),
        on_catalog_expired: setup.on_catalog_expired,
        order_prefix: setup.order_prefix.clone(),
        printer,
    };
    tracing::info!(mode = setup.mode_label(), "starting the touchscreen UI");
    crate::ui::run(context, window_mode, started, gpio)
        .map_err(|e| Failure::runtime(format!("cannot open the display: {e}")))?;
    Ok(exit::OK)
}
