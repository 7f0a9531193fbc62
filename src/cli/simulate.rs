//! `wooshpay-kiosk simulate`: the WooshPay simulator as a standalone server.

use std::net::SocketAddr;

use clap::Args;

use super::{Failure, exit};
use crate::config::SECRET_KEY_ENV;
use crate::secret::SecretKey;
use crate::simulator::{Simulator, SimulatorConfig};

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Address to listen on; 0.0.0.0 lets phones on the network open the pay page
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// Base URL phones use for the pay page [default: http://<this machine's LAN address>:<port>]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

pub async fn run(args: &SimulateArgs) -> Result<u8, Failure> {
    // The accepted key comes from the environment, never from argv; without one a fresh test key is made
    // and printed, since a simulator key guards nothing real.
    let (key, generated) = match std::env::var(SECRET_KEY_ENV).ok().filter(|k| !k.is_empty()) {
        Some(key) => {
            SecretKey::parse(&key)
                .map_err(|e| Failure::usage(format!("${SECRET_KEY_ENV}: {e}")))?;
            (key, false)
        }
        None => (
            format!("sk_test_sim{}", uuid::Uuid::new_v4().simple()),
            true,
        ),
    };
    let simulator = Simulator::start(
        args.listen,
        SimulatorConfig {
            secret_key: key.clone(),
            public_base_url: None,
        },
    )
    .await
    .map_err(|e| Failure::runtime(format!("cannot listen on {}: {e}", args.listen)))?;
    let public = match &args.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None if args.listen.ip().is_unspecified() => {
            format!(
                "http://{}:{}",
                crate::demo::lan_address(),
                simulator.addr().port()
            )
        }
        None => format!("http://{}", simulator.addr()),
    };
    simulator.set_public_base_url(public.clone());
    println!(
        "WooshPay simulator listening on http://{}",
        simulator.addr()
    );
    println!("API base URL: {}", simulator.api_base_url());
    println!("Pay pages:    {public}/pay/…");
    if generated {
        println!("Secret key:   {key}   (generated; set ${SECRET_KEY_ENV} to choose one)");
    }
    let _ = tokio::signal::ctrl_c().await;
    simulator.shutdown();
    Ok(exit::OK)
}
