//! The wizard's steps, in order, and the indicator that lists them.

use leptos::prelude::*;

/// The paragraph that opens a step.
pub const INTRO_CLASS: &str = "text-sm text-slate-600 dark:text-slate-400";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WizardStep {
    Idea,
    Users,
    Features,
    DataAndPages,
    StackAndQuality,
    Review,
}

impl WizardStep {
    pub const ALL: [WizardStep; 6] = [
        WizardStep::Idea,
        WizardStep::Users,
        WizardStep::Features,
        WizardStep::DataAndPages,
        WizardStep::StackAndQuality,
        WizardStep::Review,
    ];
    pub const FIRST: WizardStep = WizardStep::Idea;
    pub const LAST: WizardStep = WizardStep::Review;

    /// Counted from 1, as the page shows it and the browser stores it.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    /// The step numbered `number`, the nearest one when it is out of range
    /// (a draft stored by a wizard with more steps).
    pub fn nearest(number: usize) -> Self {
        let index = number.clamp(1, Self::ALL.len()) - 1;
        Self::ALL[index]
    }

    pub fn title(self) -> &'static str {
        match self {
            WizardStep::Idea => "Name and pitch",
            WizardStep::Users => "Target users",
            WizardStep::Features => "Core features",
            WizardStep::DataAndPages => "Data and pages",
            WizardStep::StackAndQuality => "Stack and quality",
            WizardStep::Review => "Review",
        }
    }

    pub fn previous(self) -> Option<Self> {
        self.number().checked_sub(2).map(|index| Self::ALL[index])
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.number()).copied()
    }
}

/// The numbered steps; the current one is marked, later ones open once reached.
#[component]
pub fn StepIndicator(
    step: RwSignal<WizardStep>,
    furthest: RwSignal<WizardStep>,
    on_select: Callback<WizardStep>,
) -> impl IntoView {
    view! {
        <nav aria-label="Wizard steps" class="mb-6">
            <ol class="flex flex-wrap gap-2">
                {WizardStep::ALL
                    .into_iter()
                    .map(|target| {
                        let number = target.number();
                        let title = target.title();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    aria-label=format!("Step {number}: {title}")
                                    aria-current=move || (step.get() == target).then_some("step")
                                    // Braced: in `view!` a bare `>` would end the tag.
                                    disabled=move || { target > furthest.get() }
                                    on:click=move |_| on_select.run(target)
                                    class="group flex items-center gap-2 rounded-full border border-slate-200 py-1 pr-3 pl-1 text-sm font-medium text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50 disabled:hover:bg-transparent aria-[current=step]:border-indigo-600 aria-[current=step]:text-indigo-700 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=step]:border-indigo-400 dark:aria-[current=step]:text-indigo-300"
                                >
                                    <span class="grid size-6 place-items-center rounded-full bg-slate-100 text-xs group-aria-[current=step]:bg-indigo-600 group-aria-[current=step]:text-white dark:bg-slate-800">
                                        {number.to_string()}
                                    </span>
                                    <span>{title}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_from_one_in_order() {
        let numbers: Vec<usize> = WizardStep::ALL.iter().map(|step| step.number()).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
        assert_eq!(WizardStep::FIRST.previous(), None);
        assert_eq!(WizardStep::LAST.next(), None);
        assert_eq!(WizardStep::Features.previous(), Some(WizardStep::Users));
        assert_eq!(WizardStep::Features.next(), Some(WizardStep::DataAndPages));
    }

    #[test]
    fn a_stored_number_out_of_range_gives_the_nearest_step() {
        assert_eq!(WizardStep::nearest(0), WizardStep::Idea);
        assert_eq!(WizardStep::nearest(3), WizardStep::Features);
        assert_eq!(WizardStep::nearest(99), WizardStep::Review);
    }
}
