fn main() {
    // Element queries in the headless UI tests need debug info; release builds stay lean.
    let debug_info = std::env::var("PROFILE")
        .map(|p| p != "release")
        .unwrap_or(true);
    // Translations are compiled into the binary (`lang/<language>/LC_MESSAGES/wooshpay-kiosk.po`): a kiosk
    // has no gettext catalogue to install. One msgid per English sentence, without per-component context, so
    // the same word is translated once.
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(debug_info)
        .with_bundled_translations("lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/app.slint", config).expect("the UI compiles");
}
