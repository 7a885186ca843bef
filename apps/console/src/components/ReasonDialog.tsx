import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, type UseMutationResult } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Failure } from './Status';

/**
 * An operator's decision on one thing that must be given with a reason (a suspension, a reinstatement,
 * a rejected admission): the thing the dialog is open for, the reason typed, and the action.
 * `perform` gets the reason as typed; after it succeeds the dialog closes and `onDone` has its answer.
 */
export function useReasonDialog<T, R>(perform: (target: T, reason: string) => Promise<R>, onDone: (result: R) => void) {
  const [target, setTarget] = useState<T | undefined>();
  const [reason, setReason] = useState('');
  const action = useMutation({
    mutationFn: (t: T) => perform(t, reason),
    onSuccess: (result) => {
      setTarget(undefined);
      setReason('');
      onDone(result);
    },
  });
  const open = (t: T) => {
    action.reset();
    setReason('');
    setTarget(t);
  };
  return { target, reason, setReason, action, open, close: () => setTarget(undefined) };
}

export type ReasonDialogState<T, R> = ReturnType<typeof useReasonDialog<T, R>>;

/** The dialog of useReasonDialog: what the decision does, the reason (required), Cancel and the confirming button. */
export function ReasonDialog<T, R>(props: {
  readonly dialog: ReasonDialogState<T, R>;
  readonly title: string;
  readonly formLabel: string;
  readonly children: ReactNode;
  readonly reasonHelp: string;
  readonly maxLength: number;
  readonly confirm: string;
  readonly danger?: boolean;
}) {
  const { dialog } = props;
  const action: UseMutationResult<R, Error, T> = dialog.action;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dialog.target !== undefined) action.mutate(dialog.target);
  };
  return (
    <Modal opened={dialog.target !== undefined} onClose={dialog.close} title={dialog.target !== undefined ? props.title : ''} closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} aria-label={props.formLabel}>
        <Stack gap="sm">
          <Text size="sm">{props.children}</Text>
          <Textarea label="Reason" description={props.reasonHelp} required maxLength={props.maxLength} autosize minRows={2} value={dialog.reason} onChange={(e) => dialog.setReason(e.currentTarget.value)} name="reason" data-autofocus />
          {action.isError && <Failure error={action.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={dialog.close}>
              Cancel
            </Button>
            <Button type="submit" color={props.danger ? 'red' : undefined} loading={action.isPending} disabled={dialog.reason.trim() === ''}>
              {props.confirm}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
