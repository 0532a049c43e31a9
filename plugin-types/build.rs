//! Tells the crate whether it is built for size (opt-level "s" or "z").
//!
//! At those levels rustc shares generic instances between crates, so what this crate drops
//! out of line becomes the copy of `RawVec`'s deallocation that every guest's drop glue calls
//! (see lib.rs). Size builds therefore inline the few functions here that drop a `String` or
//! `Vec`; other builds leave inlining to the compiler, which spends less fuel that way.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(rlplugin_small)");
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    if matches!(opt_level.as_str(), "s" | "z") {
        println!("cargo::rustc-cfg=rlplugin_small");
    }
}
