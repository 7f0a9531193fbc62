//! What every command that talks to WooshPay needs: configuration (or the demo), the key, a client.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::{Cli, Failure};
use crate::catalog::Catalog;
use crate::catalog_feed::{CatalogFeed, Refresh};
use crate::checkout::{CheckoutEngine, EngineSettings, PriceBook, PriceBookStore, Timing};
use crate::config::{
    CatalogChoice, ConfigDraft, ConfigSource, DisplaySettings, GpioSettings, StaffSettings,
};
use crate::demo::Demo;
use crate::journal::{JOURNAL_FILE, Journal};
use crate::kiosk::Mode;
use crate::secret::{KeyMode, SecretKey};
use crate::state::{LockError, StateLock};
use crate::wooshpay::{Client, ClientConfig};

pub struct Setup {
    pub catalog: Catalog,
    pub client: Client,
    pub base_url: Url,
    pub key: SecretKey,
    pub settings: EngineSettings,
    pub state_dir: PathBuf,
    pub display: DisplaySettings,
    pub gpio: Option<GpioSettings>,
    pub staff: Option<StaffSettings>,
    /// `[checkout] tip_percentages`; none in the demo.
    pub tip_percentages: Vec<u32>,
    /// `[checkout] on_catalog_expired`.
    pub on_catalog_expired: crate::config::OnCatalogExpired,
    /// `[kiosk] order_prefix`; none in the demo.
    pub order_prefix: Option<String>,
    /// `[printer]`; none in the demo.
    pub printer: Option<crate::printer::PrinterConfig>,
    /// `[metrics]`; none in the demo.
    pub metrics: Option<crate::metrics::MetricsConfig>,
    /// The catalog file, for Reload catalog; `None` in the demo and with a catalog feed (whose
    /// [`CatalogFeed::refresh`] replaces Reload: the local file would undo the fetched prices).
    pub catalog_path: Option<PathBuf>,
    /// With `catalog_url`: the feed, refreshed once at start-up; the UI refreshes it every
    /// [`CatalogFeed::refresh_interval`] and applies an updated catalog only between sales.
    pub catalog_feed: Option<CatalogFeed>,
    /// Keeps the demo's simulator (and its temporary state) alive for the command's lifetime.
    pub demo: Option<(Demo, tempfile::TempDir)>,
    /// Ownership of the state directory, taken by [`Setup::engine`] and held for the command's lifetime.
    pub state_lock: Option<StateLock>,
}

impl Setup {
    pub async fn from_cli(cli: &Cli) -> Result<Self, Failure> {
        if cli.demo {
            return Self::demo().await;
        }
        Self::from_config(
            ConfigSource::locate(cli.config.as_deref()),
            FeedAtStart::Skip,
        )
        .await
    }

    /// `check`: like any command, plus one fetch of `catalog_url` to prove it works (kept nowhere).
    pub async fn for_check(cli: &Cli) -> Result<Self, Failure> {
        if cli.demo {
            return Self::demo().await;
        }
        let source = ConfigSource::locate(cli.config.as_deref());
        Self::from_config(source, FeedAtStart::Fetch { keep: false }).await
    }

    /// The touchscreen UI: with no configuration anywhere it runs the demo, but a file that was named
    /// (`--config` or `$WOOSHPAY_KIOSK_CONFIG`) and cannot be used is an error, never a silent demo.
    pub async fn for_ui(cli: &Cli) -> Result<Self, Failure> {
        let source = ConfigSource::locate(cli.config.as_deref());
        if cli.demo || (!source.is_explicit() && !source.path().exists()) {
            return Self::demo().await;
        }
        Self::from_config(source, FeedAtStart::Fetch { keep: true }).await
    }

    async fn from_config(
        source: ConfigSource,
        feed_at_start: FeedAtStart,
    ) -> Result<Self, Failure> {
        if !source.is_explicit() && !source.path().exists() {
            return Err(Failure::usage(format!(
                "no configuration at {}: pass --config PATH, set $WOOSHPAY_KIOSK_CONFIG, or try --demo",
                source.path().display()
            )));
        }
        let state_dir = crate::state::state_dir();
        // Read and parsed once: the feed's settings and then the whole configuration come from one reading.
        let draft = ConfigDraft::read(source.path()).map_err(|e| Failure::usage(e.0))?;
        // Only the kiosk keeps the copy it fetches; other commands sell or settle from the copy it kept (or
        // the `catalog` file) and never wait on the catalog server.
        let catalog_feed = match feed_at_start {
            FeedAtStart::Fetch { keep } => {
                start_catalog_feed(&draft, source.path(), &state_dir, keep).await?
            }
            FeedAtStart::Skip => None,
        };
        let choice = match catalog_feed.as_ref().and_then(|feed| feed.catalog()) {
            Some(fetched) => CatalogChoice::Fetched(fetched.clone()),
            None => CatalogChoice::Load,
        };
        let config = draft
            .finish(&state_dir, choice)
            .map_err(|e| Failure::usage(e.0))?;
        let key = config.load_secret_key().map_err(|e| Failure::usage(e.0))?;
        let base_url = config.api_base_url(&key).map_err(|e| Failure::usage(e.0))?;
        let client = Client::new(ClientConfig::new(base_url.clone(), key.clone()))
            .map_err(|e| Failure::runtime(e.to_string()))?;
        Ok(Self {
            catalog: config.catalog.clone(),
            client,
            base_url,
            key,
            settings: EngineSettings {
                timing: Timing::new(config.checkout.poll_interval, config.checkout.timeout),
                success_url: config.wooshpay.success_url.clone(),
                cancel_url: config.wooshpay.cancel_url.clone(),
                kiosk_id: config.kiosk_id.clone(),
                tax: config.checkout.tax.clone(),
            },
            state_dir,
            display: config.display.clone(),
            gpio: config.gpio.clone(),
            staff: config.staff.clone(),
            tip_percentages: config.checkout.tip_percentages.clone(),
            on_catalog_expired: config.checkout.on_catalog_expired,
            order_prefix: config.order_prefix.clone(),
            printer: config.printer.clone(),
            metrics: config.metrics.clone(),
            catalog_path: match catalog_feed {
                Some(_) => None,
                None => config.catalog_path.clone(),
            },
            catalog_feed,
            demo: None,
            state_lock: None,
        })
    }

    pub async fn demo() -> Result<Self, Failure> {
        let demo = Demo::start()
            .await
            .map_err(|e| Failure::runtime(format!("cannot start the demo simulator: {e}")))?;
        let base_url = Url::parse(&demo.simulator.api_base_url()).expect("simulator URL");
        let client = Client::new(ClientConfig::new(base_url.clone(), demo.secret_key.clone()))
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let state = tempfile::tempdir()
            .map_err(|e| Failure::runtime(format!("cannot create a demo state directory: {e}")))?;
        let pay_page = format!(
            "{}/",
            demo.simulator.public_base_url().trim_end_matches('/')
        );
        tracing::warn!("DEMO MODE: payments go to the built-in simulator; no real money moves");
        Ok(Self {
            catalog: demo.catalog.clone(),
            client,
            base_url,
            key: demo.secret_key.clone(),
            settings: EngineSettings {
                timing: Timing::new(Duration::from_millis(1000), Duration::from_secs(180)),
                success_url: format!("{pay_page}thanks"),
                cancel_url: format!("{pay_page}cancelled"),
                kiosk_id: "demo".to_owned(),
                tax: crate::tax::TaxSettings::default(),
            },
            state_dir: state.path().to_owned(),
            display: DisplaySettings {
                shop_name: "Demo Café".to_owned(),
                ..DisplaySettings::default()
            },
            gpio: None,
            staff: None,
            tip_percentages: Vec::new(),
            on_catalog_expired: Default::default(),
            order_prefix: None,
            printer: None,
            metrics: None,
            catalog_path: None,
            catalog_feed: None,
            demo: Some((demo, state)),
            state_lock: None,
        })
    }

    /// Test, live or the simulator.
    pub fn ui_mode(&self) -> Mode {
        match (&self.demo, self.key.mode()) {
            (Some(_), _) => Mode::Demo,
            (None, KeyMode::Test) => Mode::Test,
            (None, KeyMode::Live) => Mode::Live,
        }
    }

    /// The mode in English, for logs and `check`.
    pub fn mode_label(&self) -> &'static str {
        self.ui_mode().label()
    }

    pub fn price_book_account(&self) -> String {
        PriceBookStore::account_id(self.base_url.as_str(), &self.key)
    }

    /// Takes the state directory (one owner at a time: the UI, `charge` or `recover`), then opens the journal.
    pub fn engine(&mut self) -> Result<CheckoutEngine, Failure> {
        self.lock_state()?;
        let store = PriceBookStore::new(&self.state_dir);
        let prices = store.load(&self.price_book_account()).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ignoring the price book; sessions will use inline prices");
            PriceBook::default()
        });
        let journal = self.open_journal()?;
        // The catalog's stock levels come in before anything sells or is recovered, whichever command runs first.
        if let Err(error) = journal.sync_stock(&self.catalog.stock_levels()) {
            tracing::error!(%error, "cannot bring the catalog's stock levels into the journal");
        }
        // With a printer printing unasked, sales from now on are printed, also those `charge` makes.
        if self.printer.as_ref().is_some_and(|printer| printer.auto)
            && let Err(error) = journal.printing_since(crate::journal::now_ms())
        {
            tracing::error!(%error, "cannot note since when sales are printed");
        }
        Ok(CheckoutEngine::new(
            self.client.clone(),
            self.settings.clone(),
            prices,
            journal,
            tokio::runtime::Handle::current(),
        ))
    }

    /// Exclusive ownership of the state directory, so two processes never sell from one journal.
    pub fn lock_state(&mut self) -> Result<(), Failure> {
        if self.state_lock.is_none() {
            let lock = StateLock::acquire(&self.state_dir).map_err(|e| match e {
                LockError::Busy { .. } => Failure::runtime(e.to_string()),
                LockError::State(e) => Failure::runtime(e.to_string()),
            })?;
            self.state_lock = Some(lock);
        }
        Ok(())
    }

    /// The sale journal in the state directory; without it no sale may start.
    pub fn open_journal(&self) -> Result<Journal, Failure> {
        open_journal(&self.state_dir)
    }
}

pub fn open_journal(state_dir: &std::path::Path) -> Result<Journal, Failure> {
    crate::state::prepare_dir(state_dir).map_err(|e| Failure::runtime(e.to_string()))?;
    Journal::open(&state_dir.join(JOURNAL_FILE))
        .map_err(|e| Failure::runtime(format!("{e}; no sale can be recorded, so none is started")))
}

/// Whether a command fetches `catalog_url` before it runs.
enum FeedAtStart {
    /// The kiosk (`keep`: it keeps the copy) and `check` (which only proves the feed).
    Fetch { keep: bool },
    /// `charge`, `recover`, `catalog sync`: the kept copy or the `catalog` file.
    Skip,
}

/// With `catalog_url`: one refresh before the kiosk starts (bounded by the feed's own time limit), so a fresh
/// kiosk gets its catalog and a running fleet starts with current prices. A failure is only fatal when there is
/// nothing else to sell from: no last good copy and no `catalog` file.
async fn start_catalog_feed(
    draft: &ConfigDraft,
    config_path: &std::path::Path,
    state_dir: &std::path::Path,
    keep: bool,
) -> Result<Option<CatalogFeed>, Failure> {
    let Some(start) = draft.catalog_feed().map_err(|e| Failure::usage(e.0))? else {
        return Ok(None);
    };
    let mut feed =
        CatalogFeed::open(start.settings, start.currency, state_dir).map_err(Failure::runtime)?;
    if !keep {
        feed = feed.without_keeping();
    }
    match feed.refresh().await {
        Refresh::Failed { error } if feed.catalog().is_none() && start.bootstrap_file.is_none() => {
            return Err(Failure::runtime(format!(
                "no catalog to start with: {error}; no copy from an earlier fetch is kept in {}, and no \
                 `catalog` file is set in {} to use until a fetch succeeds",
                crate::catalog_feed::stored_catalog_file(state_dir).display(),
                config_path.display()
            )));
        }
        Refresh::Failed { .. } => {} // logged by the feed; the last good copy or the file is used
        Refresh::Updated(_) | Refresh::Unchanged => {}
    }
    Ok(Some(feed))
}
