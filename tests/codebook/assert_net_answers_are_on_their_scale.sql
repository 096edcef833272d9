-- Every answer that makes a net is an answer code of the net's scale (fails on each one
-- that is not), and every net has at least one answer.
with

nets as (

    select
        net_code,
        scale_id
    from {{ ref('nets') }}

),

net_answers as (

    select
        net_code,
        response_code
    from {{ ref('net_answers') }}

),

scale_points as (

    select
        scale_id,
        response_code
    from {{ ref('scale_points') }}

),

off_scale as (

    select
        net_answers.net_code,
        net_answers.response_code,
        'answer code not on the scale ' || nets.scale_id as problem

    from net_answers
    inner join nets
        on net_answers.net_code = nets.net_code
    left join scale_points
        on
            nets.scale_id = scale_points.scale_id
            and net_answers.response_code = scale_points.response_code
    where scale_points.response_code is null

),

empty_nets as (

    select
        nets.net_code,
        null as response_code,
        'net with no answers' as problem

    from nets
    left join net_answers
        on nets.net_code = net_answers.net_code
    where net_answers.net_code is null

)

select * from off_scale
union all
select * from empty_nets
