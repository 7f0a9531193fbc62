fn main() -> std::process::ExitCode {
    wooshpay_kiosk::cli::main()
}
