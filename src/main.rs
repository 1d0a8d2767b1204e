use clap::Parser;

#[tokio::main]
async fn main() -> color_eyre::eyre::Result<()> {
    // Panic and error reports restore the terminal before printing.
    ragdesk::tui::install_hooks()?;
    let cli = ragdesk::cli::Cli::parse();
    let result = ragdesk::cli::run(cli).await;
    ragdesk::tui::restore();
    result
}
