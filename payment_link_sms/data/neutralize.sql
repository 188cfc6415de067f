-- A neutralized copy of the database (staging, tests) sends nothing of payment_link_sms
-- to the outside world: no SMS, no email.

-- Background sends still to do are skipped.
UPDATE payment_link_send_job_line
   SET state = 'skipped',
       reason = 'Neutralized database'
 WHERE state = 'pending';

-- The links' SMS and emails still in Odoo's outboxes are not sent from the copy.
UPDATE sms_sms
   SET state = 'canceled',
       failure_type = 'sms_server'
 WHERE state = 'outgoing'
   AND uuid IN (SELECT sms_uuid FROM sms_tracker WHERE payment_link_id IS NOT NULL);
UPDATE mail_mail
   SET state = 'cancel',
       failure_reason = 'Neutralized database'
 WHERE state = 'outgoing'
   AND payment_link_id IS NOT NULL;
