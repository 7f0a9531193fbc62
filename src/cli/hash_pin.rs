//! `wooshpay-kiosk hash-pin`: reads a staff PIN (never from the command line, where `ps` would show it) and
//! prints the line to put in `[staff] pin_hash`.

use std::io::{BufRead, IsTerminal};

use super::{Failure, exit};
use crate::staff;

pub fn run() -> Result<u8, Failure> {
    let pin = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New staff PIN (6 digits recommended; 4 to 8): ")
            .map_err(|e| Failure::runtime(format!("cannot read the PIN: {e}")))?;
        staff::check_format(first.trim()).map_err(|e| Failure::usage(e.to_string()))?;
        let again = rpassword::prompt_password("The same PIN again: ")
            .map_err(|e| Failure::runtime(format!("cannot read the PIN: {e}")))?;
        if first.trim() != again.trim() {
            return Err(Failure::usage("the two PINs differ; nothing was printed"));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::runtime(format!("cannot read the PIN from stdin: {e}")))?;
        line
    };
    let hash = staff::hash_pin(pin.trim()).map_err(|e| Failure::usage(e.to_string()))?;
    if pin.trim().len() < staff::RECOMMENDED_PIN_DIGITS {
        eprintln!(
            "note: a {}-digit PIN has {} possibilities; {} digits (1,000,000) are recommended. Keep the \
             configuration that holds the hash readable by root and the kiosk only (0640 root:wooshpay-kiosk).",
            pin.trim().len(),
            10u64.pow(pin.trim().len() as u32),
            staff::RECOMMENDED_PIN_DIGITS
        );
    }
    println!("pin_hash = \"{hash}\"");
    Ok(exit::OK)
}
