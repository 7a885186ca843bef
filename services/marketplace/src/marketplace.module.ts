import { Module } from '@nestjs/common';
import { DaosController } from './daos/daos.controller';
import { DaosRepository } from './daos/daos.repository';
import { DaosService } from './daos/daos.service';
import { FeedbackController } from './feedback/feedback.controller';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import { MarketplaceGrpc } from './grpc/marketplace.grpc';
import { MarketplaceEvents } from './ledger/events.consumer';
import { OffersController } from './offers/offers.controller';
import { OffersRepository } from './offers/offers.repository';
import { OffersService } from './offers/offers.service';
import { ParticipantsController } from './participants/participants.controller';
import { ParticipantsRepository } from './participants/participants.repository';
import { ParticipantsService } from './participants/participants.service';
import { Store } from './store';

@Module({
  controllers: [ParticipantsController, OffersController, FeedbackController, DaosController],
  providers: [
    Store,
    ParticipantsRepository,
    OffersRepository,
    FeedbackRepository,
    DaosRepository,
    ParticipantsService,
    OffersService,
    FeedbackService,
    DaosService,
    MarketplaceEvents,
    MarketplaceGrpc,
  ],
  exports: [MarketplaceEvents, MarketplaceGrpc],
})
export class MarketplaceModule {}
