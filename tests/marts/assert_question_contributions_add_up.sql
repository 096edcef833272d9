-- On every published cell of fct_mission_index: the contributions of the mission's
-- questions add up to its index, and their contributions to the change plus the
-- composition residual add up to change_vs_previous, both to 1e-9. Returns each cell
-- that does not (fct_mission_question_contributions, docs/what_moved.md).
with

mission_index as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        index_score,
        change_vs_previous
    from {{ ref('fct_mission_index') }}
    where not suppressed

),

contributions as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        sum(contribution_to_index) as index_from_questions,
        sum(contribution_to_change + composition_effect) as change_from_questions,
        count(contribution_to_change) as questions_with_a_change

    from {{ ref('fct_mission_question_contributions') }}
    group by wave_id, breakdown, group_label, mission_id

),

compared as (

    select
        mission_index.*,
        contributions.index_from_questions,
        contributions.change_from_questions,
        contributions.questions_with_a_change

    from mission_index
    left join contributions
        on
            mission_index.wave_id = contributions.wave_id
            and mission_index.breakdown = contributions.breakdown
            and mission_index.group_label = contributions.group_label
            and mission_index.mission_id = contributions.mission_id

)

select * from compared
where
    index_from_questions is null
    or abs(index_from_questions - index_score) > 1e-9
    or (change_vs_previous is null) <> (questions_with_a_change = 0)
    or abs(coalesce(change_from_questions, 0) - coalesce(change_vs_previous, 0)) > 1e-9
