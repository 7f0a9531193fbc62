fn main() {
    // Element queries in the headless UI tests need debug info; release builds stay lean.
    let debug_info = std::env::var("PROFILE")
        .map(|p| p != "release")
        .unwrap_or(true);
    let config = slint_build::CompilerConfiguration::new().with_debug_info(debug_info);
    slint_build::compile_with_config("ui/app.slint", config).expect("the UI compiles");
}
