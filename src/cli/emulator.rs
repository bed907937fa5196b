//! `drconsole emulator`. SKELETON: replaced by the helper that owns it.

pub fn run() -> anyhow::Result<i32> {
    anyhow::bail!("`emulator` is not built yet")
}
