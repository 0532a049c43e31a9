//! Picks the SDK's form from the profile the author builds with.
//!
//! An author who builds for size (opt-level "s" or "z") gets the smallest SDK: no fast path
//! and inlining left to the compiler. At opt-level 2 or 3 the SDK spends code on fuel
//! instead: a directive laid out as the host sends it is decoded by predicting its bytes, and
//! the reader's hot helpers are forced inline.

fn main() {
    // Only this file decides; without the line cargo reruns the script on any change in the
    // package.
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(rlplugin_small)");
    println!("cargo::rustc-check-cfg=cfg(rlplugin_in_place)");
    // Cargo passes the opt-level of the profile the library is built with, and rebuilds the
    // library (so reruns this script) when it changes.
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    let small = matches!(opt_level.as_str(), "s" | "z");
    if small {
        println!("cargo::rustc-cfg=rlplugin_small");
    }
    // The fast path leaves the host's strings in place in its input when the guest owns that
    // input for good: under the arena, which never frees, in a wasm32 guest.
    let wasm32 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let arena = std::env::var_os("CARGO_FEATURE_ARENA").is_some();
    if wasm32 && arena && !small {
        println!("cargo::rustc-cfg=rlplugin_in_place");
    }
}
