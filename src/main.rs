//! Entry point: parse the command line, initialise logging, hand over.

/// mimalloc: large aggregate answers allocate and free hundreds of
/// thousands of small rows; with glibc's allocator that was about 17% of
/// the profile of the largest one (BENCHMARKS.md, runs 6 to 8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match campaign_tracker::cli::run(campaign_tracker::cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campaign-tracker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
