//! The kiosk's lights, buzzer and buttons: what tells a busy cashier the outcome without looking.
//!
//! [`Signals`] is the trait the rest of the program uses; [`gpio::GpioSignals`] drives a Raspberry Pi's pins
//! through rppal, [`NoSignals`] stands in when no `[gpio]` section exists, and [`RecordingSignals`] lets tests
//! assert what fired.

pub mod backlight;
pub mod gpio;

use std::sync::{Arc, Mutex};

use crate::checkout::{CheckoutEvent, Outcome};

/// The status LEDs; exactly one is lit at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Light {
    Ready,
    WaitingForPayment,
    Paid,
    Error,
}

/// Buzzer patterns: paid is two short beeps, anything that went wrong one long one, and one short chirp when
/// the QR code appears, so a customer who cannot see the screen well knows it is their turn to scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beep {
    ScanNow,
    Paid,
    Failure,
}

/// Optional push buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    /// Cancel the pending payment.
    Cancel,
    /// Leave the attract screen.
    Wake,
}

pub trait Signals: Send + Sync {
    fn light(&self, light: Light);
    fn beep(&self, beep: Beep);
}

/// No `[gpio]` section, or no GPIO on this machine.
pub struct NoSignals;

impl Signals for NoSignals {
    fn light(&self, _: Light) {}
    fn beep(&self, _: Beep) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Light(Light),
    Beep(Beep),
}

/// Remembers every signal, for tests.
#[derive(Clone, Default)]
pub struct RecordingSignals(Arc<Mutex<Vec<Signal>>>);

impl RecordingSignals {
    pub fn take(&self) -> Vec<Signal> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, signal: Signal) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(signal);
    }
}

impl Signals for RecordingSignals {
    fn light(&self, light: Light) {
        self.push(Signal::Light(light));
    }

    fn beep(&self, beep: Beep) {
        self.push(Signal::Beep(beep));
    }
}

/// What each step of a sale shows. A cancel is staff's own doing: back to ready, no alarm.
pub fn signal_event(signals: &dyn Signals, event: &CheckoutEvent) {
    match event {
        CheckoutEvent::SessionCreated { .. } => {
            signals.light(Light::WaitingForPayment);
            signals.beep(Beep::ScanNow);
        }
        CheckoutEvent::Finished { outcome, .. } => match outcome {
            Outcome::Paid { .. } => {
                signals.light(Light::Paid);
                signals.beep(Beep::Paid);
            }
            Outcome::Cancelled { .. } => signals.light(Light::Ready),
            Outcome::Expired { .. } | Outcome::Failed { .. } => {
                signals.light(Light::Error);
                signals.beep(Beep::Failure);
            }
        },
        _ => {}
    }
}

/// Opens the configured GPIO, or says in the log why the kiosk runs without it (never a reason not to start).
pub fn open_gpio(settings: Option<&crate::config::GpioSettings>) -> Option<Arc<gpio::GpioSignals>> {
    match gpio::GpioSignals::open(settings?) {
        Ok(signals) => Some(Arc::new(signals)),
        Err(error) => {
            tracing::warn!(%error, "GPIO is configured but not available; running without lights and buzzer");
            None
        }
    }
}
