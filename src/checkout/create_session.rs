//! The create step of a sale: journal the request and its key first, send it once, adopt WooshPay's answer only
//! when it is provably this sale's, and remember a create that got no answer so a retry replays it.

use std::time::Duration;

use super::adoption::{self, Creation, Expected};
use super::events::CheckoutEvent;
use super::machine::{PaymentMachine, RequestFailure, SessionInfo, Step};
use super::observation::failure;
use super::request::{ReturnUrls, SaleRef, session_params};
use super::sale_run::{SaleRun, Start, wait_for_cancel};
use super::shared::UnansweredCreate;
use crate::journal::now_ms;
use crate::money::Money;
use crate::wooshpay::IdempotencyKey;

impl SaleRun<'_> {
    pub(super) async fn create(
        &mut self,
        machine: &mut PaymentMachine,
        total: Money,
        now: impl Fn() -> Duration,
    ) -> Step {
        let Some(Start::New { sale, key }) = self.start.take() else {
            unreachable!("only a new sale creates a session")
        };
        self.emit(CheckoutEvent::Creating {
            client_reference_id: self.reference.clone(),
            amount_total: total.minor_units,
            currency: total.currency.code().to_owned(),
        });
        let urls = ReturnUrls {
            success_url: &self.inner.settings.success_url,
            cancel_url: &self.inner.settings.cancel_url,
        };
        let params = session_params(&self.order, &sale, &urls, &self.inner.prices);
        // The key and body are journalled before the request leaves: after a crash, recovery replays them.
        let begun = {
            let mut store = self.inner.store();
            let body = serde_json::to_string(&params).expect("session parameters serialise");
            match store.journal.begin_sale(
                &self.reference,
                key.as_str(),
                &self.order,
                &body,
                now_ms(),
            ) {
                // A retried create whose earlier attempt recovery is settling right now: let that finish.
                Ok(id) if !store.active.insert(id) => Err(format!(
                    "sale {} is being checked with WooshPay; try again in a moment",
                    self.reference
                )),
                Ok(id) => Ok(id),
                Err(error) => Err(format!("the sale could not be recorded: {error}")),
            }
        };
        match begun {
            Ok(id) => self.journal_sale = Some(id),
            Err(message) => {
                tracing::error!(%message, "not creating a session");
                return machine.on_created(
                    Err(RequestFailure {
                        refused: true,
                        message,
                    }),
                    now(),
                );
            }
        }
        let sent = tokio::time::Instant::now();
        let create = self.inner.client.create_checkout_session(&params, &key);
        tokio::pin!(create);
        // A create cannot be taken back once sent: a cancel is noted and acted on when the answer arrives.
        let result = loop {
            tokio::select! {
                result = &mut create => {
                    crate::metrics::create_session_took(sent.elapsed());
                    self.inner.observe_contact(&result);
                    break result
                }
                () = wait_for_cancel(&mut self.cancel, self.cancel_seen) => {
                    self.cancel_seen = true;
                    let _ = machine.on_cancel(now());
                }
            }
        };
        match result {
            Ok(session) => {
                let expected = Expected {
                    client_reference_id: &self.reference,
                    kiosk_id: &sale.kiosk_id,
                    total,
                };
                if let Err(problem) = adoption::check(&session, &expected, Creation::First) {
                    // Not this sale's: never journalled, never shown, never expired by us. Whether our own create
                    // made a session is unknown, so the sale stays pending and recovery replays it.
                    tracing::error!(session = %session.id, %problem, "refusing WooshPay's answer to the create");
                    self.note_unanswered(&sale, &key);
                    return machine.on_created(
                        Err(RequestFailure {
                            refused: true,
                            message: problem,
                        }),
                        now(),
                    );
                }
                let info = SessionInfo {
                    id: session.id.clone(),
                    url: session.url.clone().unwrap_or_default(),
                };
                self.create_unanswered = false;
                // Journalled before anything else, usable or not, so it can always be reconciled.
                let recorded = self
                    .record_session(&info)
                    .and_then(|()| crate::qr::check_scannable(&info.url));
                match recorded {
                    Ok(()) => {
                        tracing::info!(session = %info.id, amount = %total, "session created");
                        crate::metrics::tap_to_qr_took(self.began.elapsed());
                        self.qr_shown = Some(tokio::time::Instant::now());
                        self.emit(CheckoutEvent::SessionCreated {
                            id: info.id.clone(),
                            url: info.url.clone(),
                            amount_total: total.minor_units,
                            currency: total.currency.code().to_owned(),
                            timeout_ms: machine.timing().timeout.as_millis() as u64,
                        });
                        machine.on_created(Ok(info), now())
                    }
                    Err(problem) => {
                        tracing::error!(session = %info.id, %problem, "WooshPay's session cannot be offered; closing it");
                        machine.on_created_unusable(info, problem, now())
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not create a checkout session");
                if error.may_have_been_processed() {
                    self.note_unanswered(&sale, &key);
                }
                machine.on_created(Err(failure(error)), now())
            }
        }
    }

    /// The create may have made a session this kiosk has no usable answer for: the sale is never settled as
    /// failed, and retrying the same cart replays the same request (same key and sale number).
    fn note_unanswered(&mut self, sale: &SaleRef, key: &IdempotencyKey) {
        self.create_unanswered = true;
        let mut slot = self
            .inner
            .unanswered_create
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *slot = Some(UnansweredCreate {
            order: self.order.clone(),
            sale_number: sale.sale_number.clone(),
            key: key.clone(),
        });
    }
}
