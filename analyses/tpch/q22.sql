-- TPC-H Q22: global sales opportunity.
-- How many customers in selected country codes have an above-average positive account
-- balance but have never ordered, and how much money do they hold?

with candidate_customers as (
    select
        c.customer_key,
        c.phone_country_code,
        c.account_balance
    from {{ ref('dim_customers') }} as c
    where
        c.is_current
        and c.customer_key <> -1
        and c.phone_country_code in ('13', '31', '23', '29', '30', '18', '17')
),

average_balance as (
    select avg(account_balance) as avg_balance
    from candidate_customers
    where account_balance > 0.00
),

customers_with_orders as (
    select distinct o.customer_key
    from {{ ref('fct_orders') }} as o
)

select
    cc.phone_country_code as cntrycode,
    count(*) as numcust,
    sum(cc.account_balance) as totacctbal
from candidate_customers as cc
cross join average_balance as ab
left join customers_with_orders as cwo
    on cc.customer_key = cwo.customer_key
where
    cc.account_balance > ab.avg_balance
    and cwo.customer_key is null
group by cc.phone_country_code
order by cntrycode
