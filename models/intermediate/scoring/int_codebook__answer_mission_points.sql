-- Every answer code that counts, for every mission its question scores, with the
-- mission points it is worth (points x direction) and the question's weight: the whole
-- scoring rule as one small lookup built from the codebook seeds.
with

questions as (

    select
        question_code,
        scale_id
    from {{ ref('questions') }}

),

scale_points as (

    select
        scale_id,
        response_code,
        points
    from {{ ref('scale_points') }}
    where points is not null

),

mission_questions as (

    select
        mission_id,
        question_code,
        question_weight,
        direction
    from {{ ref('mission_questions') }}

),

answer_points as (

    select
        mission_questions.mission_id,
        questions.question_code,
        scale_points.response_code,
        mission_questions.question_weight,
        scale_points.points * mission_questions.direction as mission_points

    from mission_questions
    inner join questions
        on mission_questions.question_code = questions.question_code
    inner join scale_points
        on questions.scale_id = scale_points.scale_id

),

-- in fixed-point decimal, so that a respondent's sums over their answers are exact
-- (12 decimal places; the seed tests keep weights at most 100 and points within 200)
exact_points as (

    select
        mission_id,
        question_code,
        response_code,
        cast(question_weight as decimal(18, 12)) as question_weight,
        cast(mission_points as decimal(18, 12)) as mission_points

    from answer_points

),

weighted as (

    select
        mission_id,
        question_code,
        response_code,
        question_weight,
        mission_points,
        cast(question_weight * mission_points as decimal(18, 12)) as weighted_points

    from exact_points

)

select * from weighted
