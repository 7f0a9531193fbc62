//! Status LEDs, buzzer and buttons on a Raspberry Pi's GPIO header (BCM numbering), through rppal.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rppal::gpio::{Gpio, InputPin, OutputPin, Trigger};

use super::{Beep, Button, Light, Signals};
use crate::config::GpioSettings;

#[derive(Debug, thiserror::Error)]
#[error("GPIO: {0}")]
pub struct GpioError(String);

struct Outputs {
    ready: Option<OutputPin>,
    waiting: Option<OutputPin>,
    paid: Option<OutputPin>,
    error: Option<OutputPin>,
}

pub struct GpioSignals {
    outputs: Mutex<Outputs>,
    buzzer: Option<Arc<Mutex<OutputPin>>>,
    active_low: bool,
    buttons: Mutex<Vec<InputPin>>,
    debounce: Duration,
    cancel_pin: Option<u8>,
    wake_pin: Option<u8>,
}

impl GpioSignals {
    pub fn open(settings: &GpioSettings) -> Result<Self, GpioError> {
        let gpio = Gpio::new().map_err(|e| GpioError(e.to_string()))?;
        let output = |pin: Option<u8>| -> Result<Option<OutputPin>, GpioError> {
            pin.map(|number| {
                let mut pin = gpio
                    .get(number)
                    .map_err(|e| GpioError(format!("pin {number}: {e}")))?
                    .into_output();
                set(&mut pin, false, settings.active_low);
                Ok(pin)
            })
            .transpose()
        };
        let outputs = Outputs {
            ready: output(settings.led_ready)?,
            waiting: output(settings.led_waiting)?,
            paid: output(settings.led_paid)?,
            error: output(settings.led_error)?,
        };
        let buzzer = if settings.buzzer_enabled {
            output(settings.buzzer_pin)?
        } else {
            None
        };
        Ok(Self {
            outputs: Mutex::new(outputs),
            buzzer: buzzer.map(|pin| Arc::new(Mutex::new(pin))),
            active_low: settings.active_low,
            buttons: Mutex::new(Vec::new()),
            debounce: settings.debounce,
            cancel_pin: settings.button_cancel,
            wake_pin: settings.button_wake,
        })
    }

    /// Calls `on_press` (from rppal's interrupt thread) for each debounced press of a configured button.
    pub fn watch_buttons(
        &self,
        on_press: impl Fn(Button) + Send + Sync + 'static,
    ) -> Result<(), GpioError> {
        let gpio = Gpio::new().map_err(|e| GpioError(e.to_string()))?;
        let on_press = Arc::new(on_press);
        let mut buttons = self.buttons.lock().unwrap_or_else(|e| e.into_inner());
        for (number, button) in [
            (self.cancel_pin, Button::Cancel),
            (self.wake_pin, Button::Wake),
        ] {
            let Some(number) = number else { continue };
            // Buttons switch to ground with the internal pull-up: a press is a falling edge.
            let mut pin = gpio
                .get(number)
                .map_err(|e| GpioError(format!("pin {number}: {e}")))?
                .into_input_pullup();
            let on_press = on_press.clone();
            pin.set_async_interrupt(Trigger::FallingEdge, Some(self.debounce), move |_| {
                on_press(button)
            })
            .map_err(|e| GpioError(format!("pin {number}: {e}")))?;
            buttons.push(pin);
        }
        Ok(())
    }

    /// For installers: each LED on for half a second in turn, then every buzzer pattern.
    pub fn self_test(&self, report: &mut dyn FnMut(&str)) {
        for light in [
            Light::Ready,
            Light::WaitingForPayment,
            Light::Paid,
            Light::Error,
        ] {
            report(&format!("LED {light:?}"));
            self.light(light);
            std::thread::sleep(Duration::from_millis(500));
        }
        self.all_off();
        if self.buzzer.is_some() {
            report("buzzer: scan now (one short chirp)");
            play(self.buzzer.as_ref(), self.active_low, Beep::ScanNow);
            std::thread::sleep(Duration::from_millis(400));
            report("buzzer: paid (two short beeps)");
            play(self.buzzer.as_ref(), self.active_low, Beep::Paid);
            std::thread::sleep(Duration::from_millis(400));
            report("buzzer: failure (one long beep)");
            play(self.buzzer.as_ref(), self.active_low, Beep::Failure);
        }
    }

    fn all_off(&self) {
        let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        let Outputs {
            ready,
            waiting,
            paid,
            error,
        } = &mut *outputs;
        for pin in [ready, waiting, paid, error].into_iter().flatten() {
            set(pin, false, self.active_low);
        }
    }
}

impl Signals for GpioSignals {
    fn light(&self, light: Light) {
        let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        let Outputs {
            ready,
            waiting,
            paid,
            error,
        } = &mut *outputs;
        for (which, pin) in [
            (Light::Ready, ready),
            (Light::WaitingForPayment, waiting),
            (Light::Paid, paid),
            (Light::Error, error),
        ] {
            if let Some(pin) = pin {
                set(pin, which == light, self.active_low);
            }
        }
    }

    fn beep(&self, beep: Beep) {
        let Some(buzzer) = self.buzzer.clone() else {
            return;
        };
        let active_low = self.active_low;
        // The pattern takes up to 600 ms: never on the caller's (UI) thread.
        std::thread::spawn(move || play(Some(&buzzer), active_low, beep));
    }
}

fn play(buzzer: Option<&Arc<Mutex<OutputPin>>>, active_low: bool, beep: Beep) {
    let Some(buzzer) = buzzer else { return };
    let pattern: &[u64] = match beep {
        Beep::ScanNow => &[60],
        Beep::Paid => &[90, 90, 90],
        Beep::Failure => &[600],
    };
    let mut pin = buzzer.lock().unwrap_or_else(|e| e.into_inner());
    for (index, ms) in pattern.iter().enumerate() {
        set(&mut pin, index % 2 == 0, active_low);
        std::thread::sleep(Duration::from_millis(*ms));
    }
    set(&mut pin, false, active_low);
}

fn set(pin: &mut OutputPin, on: bool, active_low: bool) {
    if on != active_low {
        pin.set_high()
    } else {
        pin.set_low()
    }
}
