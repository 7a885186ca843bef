import { joinEndorsingOrganisations } from './consent';

const member = (mspId: string, group: string) => ({ mspId, group });

describe('joinEndorsingOrganisations', () => {
  it('names the earlier members of a join when they are a majority of the channel', () => {
    const agreement = { version: 3, members: [member('Dsp', 'D'), member('Vsp1', 'J1'), member('Vsp2', 'J2'), member('Vsp3', 'J3')] };
    expect(joinEndorsingOrganisations(agreement)).toEqual(['Dsp', 'Vsp1', 'Vsp2']);
  });

  it('counts an organisation once, whatever its number of members', () => {
    const agreement = { version: 2, members: [member('Dsp', 'D'), member('Dsp', 'D'), member('Vsp1', 'J1'), member('Vsp2', 'J2')] };
    expect(joinEndorsingOrganisations(agreement)).toEqual(['Dsp', 'Vsp1']);
  });

  it('leaves the choice to the Gateway when the earlier members are only half of the channel', () => {
    const agreement = { version: 2, members: [member('Dsp', 'D'), member('Vsp1', 'J1'), member('Vsp2a', 'J2'), member('Vsp2b', 'J2')] };
    expect(joinEndorsingOrganisations(agreement)).toBeUndefined();
  });

  it('leaves the choice to the Gateway for a formation', () => {
    expect(joinEndorsingOrganisations({ version: 1, members: [member('Dsp', 'D'), member('Vsp1', 'J1')] })).toBeUndefined();
  });
});
