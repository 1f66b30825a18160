//! What models cost, as the operator sets it (`MODEL_PRICES`), to estimate
//! a build's spend from its tokens. Prices change and differ per contract,
//! so none are built in: a model without a price has no estimate, except
//! the built-in offline provider, which costs nothing.

use std::collections::HashMap;

/// US dollars per million tokens, in millionths of a dollar: `$3` is
/// `3_000_000`. Whole numbers keep the arithmetic exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub input_micro_usd_per_million: i64,
    pub output_micro_usd_per_million: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelPrices {
    by_model: HashMap<String, Price>,
}

/// The most a price may be, per million tokens: far above any model's, low
/// enough that no sum overflows.
const MAX_USD_PER_MILLION: f64 = 100_000.0;

impl ModelPrices {
    /// Parses `model=input/output` entries separated by commas, prices in US
    /// dollars per million tokens: `claude-sonnet-4-5=3/15, gpt-4o=2.5/10`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut by_model = HashMap::new();
        for entry in text.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let (model, prices) = entry.split_once('=').ok_or_else(|| {
                format!("\"{entry}\" is not model=input/output (dollars per million tokens)")
            })?;
            let (input, output) = prices
                .split_once('/')
                .ok_or_else(|| format!("\"{entry}\" needs an input and an output price, as input/output"))?;
            let model = model.trim();
            if model.is_empty() {
                return Err(format!("\"{entry}\" names no model"));
            }
            let price = Price {
                input_micro_usd_per_million: micro_usd(input, entry)?,
                output_micro_usd_per_million: micro_usd(output, entry)?,
            };
            if by_model.insert(model.to_owned(), price).is_some() {
                return Err(format!("{model} has two prices"));
            }
        }
        Ok(Self { by_model })
    }

    /// The estimated cost of the tokens in millionths of a US dollar, or
    /// `None` when the model has no price.
    pub fn cost_micro_usd(
        &self,
        provider: &str,
        model: &str,
        input_tokens: i64,
        output_tokens: i64,
    ) -> Option<i64> {
        if provider == "offline" {
            return Some(0);
        }
        let price = self.price_of(model)?;
        let of =
            |tokens: i64, per_million: i64| i128::from(tokens.max(0)) * i128::from(per_million) / 1_000_000;
        let total = of(input_tokens, price.input_micro_usd_per_million)
            + of(output_tokens, price.output_micro_usd_per_million);
        Some(i64::try_from(total).unwrap_or(i64::MAX))
    }

    /// The model's own price, else that of the longest name it extends with
    /// a `-`: providers answer with dated snapshots (`claude-sonnet-4-5-20250929`)
    /// of the model asked for (`claude-sonnet-4-5`).
    fn price_of(&self, model: &str) -> Option<&Price> {
        self.by_model.get(model).or_else(|| {
            self.by_model
                .iter()
                .filter(|(name, _)| {
                    model.strip_prefix(name.as_str()).is_some_and(|rest| rest.starts_with('-'))
                })
                .max_by_key(|(name, _)| name.len())
                .map(|(_, price)| price)
        })
    }
}

fn micro_usd(text: &str, entry: &str) -> Result<i64, String> {
    let dollars: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" in \"{entry}\" is not a price in dollars", text.trim()))?;
    if !(0.0..=MAX_USD_PER_MILLION).contains(&dollars) {
        return Err(format!(
            "\"{entry}\": a price is from 0 to {MAX_USD_PER_MILLION} dollars per million tokens"
        ));
    }
    Ok((dollars * 1_000_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_dollars_per_million_tokens_for_input_and_output() {
        let prices = ModelPrices::parse(" claude-sonnet-4-5=3/15, gpt-4o-mini=0.15/0.6 ,").unwrap();
        // 200k in at $3/M and 10k out at $15/M: $0.60 + $0.15.
        assert_eq!(prices.cost_micro_usd("anthropic", "claude-sonnet-4-5", 200_000, 10_000), Some(750_000));
        assert_eq!(prices.cost_micro_usd("openai", "gpt-4o-mini", 1_000_000, 1_000_000), Some(750_000));
    }

    #[test]
    fn a_dated_snapshot_takes_the_price_of_the_model_it_extends() {
        let prices = ModelPrices::parse("claude-sonnet-4=3/15, claude-sonnet-4-5=4/20").unwrap();
        let cost = |model| prices.cost_micro_usd("anthropic", model, 1_000_000, 0);
        assert_eq!(cost("claude-sonnet-4-5-20250929"), Some(4_000_000), "the longest name wins");
        assert_eq!(cost("claude-sonnet-4-20250514"), Some(3_000_000));
        assert_eq!(cost("claude-sonnet-40"), None, "a longer name is another model");
    }

    #[test]
    fn a_model_without_a_price_has_no_estimate_and_offline_costs_nothing() {
        let prices = ModelPrices::parse("gpt-4o=2.5/10").unwrap();
        assert_eq!(prices.cost_micro_usd("openai", "gpt-4.1", 1_000, 1_000), None);
        assert_eq!(prices.cost_micro_usd("offline", "offline-agent", 1_000_000, 1_000_000), Some(0));
        assert_eq!(ModelPrices::parse("").unwrap(), ModelPrices::default());
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let prices = ModelPrices::parse("m=100000/100000").unwrap();
        assert_eq!(prices.cost_micro_usd("x", "m", i64::MAX, i64::MAX), Some(i64::MAX));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        for (text, expected) in [
            ("gpt-4o", "is not model=input/output"),
            ("gpt-4o=2.5", "needs an input and an output price"),
            ("=1/2", "names no model"),
            ("m=one/2", "\"one\" in \"m=one/2\" is not a price in dollars"),
            ("m=-1/2", "a price is from 0 to"),
            ("m=NaN/2", "a price is from 0 to"),
            ("m=1/2,m=3/4", "m has two prices"),
        ] {
            let error = ModelPrices::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
