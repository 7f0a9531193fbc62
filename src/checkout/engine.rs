//! The engine's front door: starts sales one at a time on a tokio runtime, resumes and recovers sales from the
//! journal, and answers what a screen asks (is WooshPay reachable, is a sale running, what is unsettled), so a
//! UI never waits on the network. The work itself is in the sale run, recovery and re-check.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::events::{ChargeHandle, GatewayStatus, StartError};
use super::prices::PriceBook;
use super::recheck::{self, RecheckAnswer};
use super::recovery::{self, PendingSale, Recovered};
use super::request::SaleRef;
use super::sale_run::{self, Start};
use super::shared::{BusyGuard, EngineSettings, Shared};
use crate::journal::Journal;
use crate::metrics::RecoveryResult;
use crate::order::Order;
use crate::wooshpay::{Client, IdempotencyKey};

/// Starts sales, one at a time. Cheap to clone; every clone shares the one-sale-at-a-time guard.
#[derive(Clone)]
pub struct CheckoutEngine {
    shared: Arc<Shared>,
}

impl CheckoutEngine {
    /// `runtime` runs the sales, so this may be called from a thread that is not inside tokio (a UI thread).
    pub fn new(
        client: Client,
        settings: EngineSettings,
        prices: PriceBook,
        journal: Journal,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            shared: Arc::new(Shared::new(client, settings, prices, journal, runtime)),
        }
    }

    /// Reads the journal (for the sales list and reports); the lock is held while `read` runs.
    pub fn with_journal<T>(&self, read: impl FnOnce(&Journal) -> T) -> T {
        read(&self.shared.store().journal)
    }

    /// Sales the journal holds as pending that no task is running: what the next recovery would look at.
    pub fn unsettled_sales(&self) -> usize {
        let store = self.shared.store();
        match store.journal.pending() {
            Ok(pending) => pending
                .iter()
                .filter(|sale| {
                    let row_id = match sale {
                        Ok(sale) => sale.row_id,
                        Err(unreadable) => unreadable.row_id,
                    };
                    !store.active.contains(&row_id)
                })
                .count(),
            Err(error) => {
                tracing::error!(%error, "cannot read pending sales from the journal");
                0
            }
        }
    }

    pub fn gateway_status(&self) -> GatewayStatus {
        self.shared.gateway_status()
    }

    /// One cheap read-only request, to learn whether WooshPay can be reached while no sale is running.
    pub async fn probe(&self) -> bool {
        let result = self.shared.poll_client.list_checkout_sessions(1).await;
        self.shared.observe_contact(&result);
        !matches!(result, Err(ref e) if e.is_connectivity())
    }

    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.shared.settings
    }

    pub fn is_busy(&self) -> bool {
        self.shared.busy.load(Ordering::SeqCst)
    }

    /// Returns at once; the sale runs on the engine's runtime. Refused while another sale is running.
    pub fn start_charge(&self, order: Order) -> Result<ChargeHandle, StartError> {
        // Rates resolved and, where prices exclude tax, the tax line added: the journal, the session and the
        // receipt all see the same lines.
        let order = order.with_tax(&self.shared.settings.tax);
        order.validate()?;
        if self
            .shared
            .busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(StartError::InProgress);
        }
        let busy = BusyGuard(self.shared.clone());
        let (sale_number, key, abandoned) = {
            let mut unanswered = self
                .shared
                .unanswered_create
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match unanswered.take() {
                Some(previous) if previous.order == order => {
                    (previous.sale_number, previous.key, false)
                }
                previous => (
                    self.shared.store().journal.next_sale_number()?,
                    IdempotencyKey::generate(),
                    previous.is_some(),
                ),
            }
        };
        if abandoned {
            // Staff moved on from a create that got no answer: that session may exist, so find and close it.
            let engine = self.clone();
            self.shared.runtime.spawn(async move {
                for recovered in engine.recover().await {
                    tracing::info!(?recovered, "settled an earlier unanswered sale");
                }
            });
        }
        let sale = SaleRef {
            kiosk_id: self.shared.settings.kiosk_id.clone(),
            sale_number,
        };
        Ok(sale_run::spawn(
            &self.shared,
            order,
            sale.client_reference_id(),
            Start::New { sale, key },
            None,
            Some(busy),
        ))
    }

    /// Follows a sale recovery found still open (see [`CheckoutEngine::recover`]) until it is paid or times
    /// out, with the same events as a new sale (`SessionCreated` carries the time left).
    pub fn resume(&self, sale: PendingSale) -> ChargeHandle {
        sale_run::spawn(
            &self.shared,
            sale.order,
            sale.reference,
            Start::Resume {
                session: sale.session,
                remaining: sale.remaining,
            },
            Some(sale.journal_id),
            None,
        )
    }

    /// Settles every pending sale no task is running: see [`recovery`](super::recovery).
    pub async fn recover(&self) -> Vec<Recovered> {
        let results = recovery::recover(&self.shared).await;
        for result in &results {
            match result {
                Recovered::Settled { .. } => crate::metrics::recovery(RecoveryResult::Settled),
                Recovered::Resumable(_) => crate::metrics::recovery(RecoveryResult::Resumed),
                // Once per sale, however many passes find it still unsettled.
                Recovered::Unresolved { reference, .. } => {
                    let first = self
                        .shared
                        .counted_still_pending
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(reference.clone());
                    if first {
                        crate::metrics::recovery(RecoveryResult::StillPending);
                    }
                }
            }
        }
        results
    }

    /// Refunds a paid sale as staff asked on the screen (see [`crate::refund`]): journalled before it is sent, on
    /// a journal connection of its own in a blocking thread of its own, like [`CheckoutEngine::settle_refunds`].
    pub async fn refund(
        &self,
        sale_row: i64,
        ask: crate::refund::RefundAsk,
    ) -> Result<crate::refund::RefundResult, String> {
        let journal = self
            .with_journal(|journal| journal.reopen())
            .map_err(|e| e.to_string())?;
        let client = self.shared.client.clone();
        let kiosk_id = self.shared.settings.kiosk_id.clone();
        let runtime = self.shared.runtime.clone();
        tokio::task::spawn_blocking(move || {
            runtime.block_on(async {
                let sale = journal
                    .sale(sale_row)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("sale {sale_row} is not in the journal"))?;
                let context = crate::refund::RefundContext {
                    client: &client,
                    journal: &journal,
                    kiosk_id: &kiosk_id,
                };
                context.refund(&sale, &ask).await.map_err(|e| e.to_string())
            })
        })
        .await
        .map_err(|e| format!("the refund stopped: {e}"))?
    }

    /// Refunds the journal holds in flight or pending at WooshPay, settled as far as WooshPay can say now (the
    /// same as `recover` does). On a connection of its own to the journal, so no sale waits while WooshPay answers.
    pub async fn settle_refunds(&self) -> Vec<crate::journal::RefundRecord> {
        // Looked up on the kiosk's own connection first: most of the time there is nothing to settle, and a
        // second connection is opened only when there is.
        match self.with_journal(|journal| journal.unsettled_refunds()) {
            Ok(unsettled) if unsettled.is_empty() => return Vec::new(),
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "cannot read the refunds in flight");
                return Vec::new();
            }
        }
        let journal = match self.with_journal(|journal| journal.reopen()) {
            Ok(journal) => journal,
            Err(error) => {
                tracing::error!(%error, "cannot open the journal to settle refunds");
                return Vec::new();
            }
        };
        // A journal connection may be used from one thread at a time: the settling runs on a blocking thread of
        // its own, which owns the connection, rather than in a task that may move between threads.
        let client = self.shared.client.clone();
        let runtime = self.shared.runtime.clone();
        let settled = tokio::task::spawn_blocking(move || {
            runtime.block_on(async { crate::refund::settle_unsettled(&client, &journal).await })
        })
        .await;
        match settled {
            Ok(Ok(settled)) => settled,
            Ok(Err(error)) => {
                tracing::error!(%error, "cannot settle the refunds in flight");
                Vec::new()
            }
            Err(error) => {
                tracing::error!(%error, "settling the refunds in flight stopped");
                Vec::new()
            }
        }
    }

    /// Staff's Re-check: reads the session from WooshPay now, records an outcome the journal was still waiting
    /// for, and says what WooshPay holds next to what the journal holds.
    pub async fn recheck(&self, session_id: &str) -> Result<RecheckAnswer, String> {
        recheck::recheck(&self.shared, session_id).await
    }
}
